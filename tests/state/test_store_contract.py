"""What every state store promises, on the fake, SQLite and PostgreSQL alike.

Recording (intents, outcomes, steps: all or none), the refusals, what a snapshot shows,
the serial and lineage, the journal, import/forget/move and the fallback journal. The
executor's tests run on the fake: this suite is what makes them stand for the real store.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.errors import JournalPendingError, StateError
from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign
from tests.state.helpers import (
    API,
    FakeBackend,
    SqlBackend,
    StoreBackend,
    created,
    intent,
    outcome,
)
from tests.support.backends import BACKENDS, SQLITE_STATE, StateTarget
from tests.support.factories import record_intents, record_outcome

BODY = {
    "name": "Diwali ✨",
    "touchpoint": {"customer_details": [{"id": "r1", "to_number": "+919812345601"}]},
    "nested": {"z": [1, 2.5, None, True], "a": "ünï"},
}


@pytest.fixture(params=[pytest.param("fake", id="fake"), *BACKENDS])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StoreBackend:
    """A not-yet-existing state: the fake, or the SQL store on each database."""
    if request.param == "fake":
        return FakeBackend()
    root = tmp_path / "project"
    root.mkdir()
    location = SQLITE_STATE if request.param == "sqlite" else request.getfixturevalue("pg_database")
    return SqlBackend(StateTarget(request.param, location, root))


# -- recording: durability, serial, lineage ------------------------------------------------


def test_missing_state_reads_empty(backend: StoreBackend):
    """A state never written reads as empty, without lineage."""
    snap = backend.fresh()
    assert not snap.exists and snap.lineage is None and snap.campaigns == {}


def test_every_write_is_visible_from_a_fresh_connection(backend: StoreBackend):
    """Intent and outcome are durable as soon as each call returns."""
    with backend.locked() as store:
        [pending] = record_intents(store, [intent("a")])
        assert pending.id > 0
        assert backend.fresh().in_doubt["a"].id == pending.id  # a crash now: in doubt
        record_outcome(store, created(pending, "cmp-1"))
        snap = backend.fresh()
    assert snap.campaigns["a"].campaign_id == "cmp-1"
    assert snap.campaigns["a"].name == "Campaign a"
    assert snap.campaigns["a"].created_by == "tester"
    assert snap.in_doubt == {}
    assert snap.api_url == API


def test_serial_grows_and_lineage_stays(backend: StoreBackend):
    """Each write bumps the serial by one; the lineage never changes."""
    with backend.locked() as store:
        first = backend.fresh()
        [a, b] = record_intents(store, [intent("a"), intent("b")])
        after_intents = backend.fresh()
        record_outcome(store, created(a, "1"))
        record_outcome(store, outcome(b, AttemptStatus.FAILED, http_status=400, error="bad"))
        last = backend.fresh()
    assert first.exists and first.serial == 0
    assert after_intents.serial == 1  # one transaction for the whole batch
    assert last.serial == 3
    assert first.lineage == after_intents.lineage == last.lineage


def test_reopening_keeps_lineage(backend: StoreBackend):
    """Binding an existing state again keeps its lineage and serial."""
    with backend.locked() as store:
        record_intents(store, [intent("a")])
    before = backend.fresh()
    with backend.locked():
        pass
    after = backend.fresh()
    assert (before.lineage, before.serial) == (after.lineage, after.serial)


def test_nothing_to_record_writes_nothing(backend: StoreBackend):
    """A step with no outcome and no intent is no write: the serial stays."""
    with backend.locked() as store:
        serial = backend.fresh().serial
        assert list(store.record_step((), ())) == []
        assert backend.fresh().serial == serial


def test_concurrent_outcomes_from_threads_are_all_recorded(backend: StoreBackend):
    """Executor threads recording outcomes at once lose none and bump the serial once each."""
    with backend.locked() as store:
        pending = record_intents(store, [intent(f"k{i}") for i in range(12)])
        start = backend.fresh().serial
        barrier = threading.Barrier(len(pending))
        errors: list[BaseException] = []

        def record(attempt: Attempt) -> None:
            barrier.wait()
            try:
                record_outcome(store, created(attempt, f"cmp-{attempt.key}"))
            except BaseException as exc:  # collected: asserted below
                errors.append(exc)

        threads = [threading.Thread(target=record, args=(a,)) for a in pending]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    snap = backend.fresh()
    assert errors == []
    assert len(snap.campaigns) == 12 and snap.in_doubt == {}
    assert snap.serial == start + 12


# -- batches and steps -----------------------------------------------------------------------


def test_a_mixed_batch_records_each_outcome_and_copies_the_intents_body(backend: StoreBackend):
    """One transaction: created, failed and in-doubt outcomes; records carry the intent's
    body (exactly), fingerprints and actor, and the outcome's id, ctx_id and time."""
    with backend.locked() as store:
        a, b, c = record_intents(
            store, [intent("a", body=BODY), intent("b", fingerprint="b" * 64), intent("c")]
        )
        serial = backend.fresh().serial
        done = created(a, "cmp-a")
        store.record_step(
            [
                done,
                outcome(b, AttemptStatus.FAILED, http_status=400, error="bad template"),
                outcome(c, AttemptStatus.IN_DOUBT, http_status=500, error="HTTP 500"),
            ],
            (),
        )
        [record] = store.bodies(["a"]).values()
        journal = {x.key: x for x in store.journal()}
    snap = backend.fresh()
    assert snap.serial == serial + 1
    assert set(snap.campaigns) == {"a"}
    assert record.body == BODY
    assert (record.name, record.campaign_id, record.ctx_id) == ("Diwali ✨", "cmp-a", "ctx")
    assert (record.fingerprint, record.source_fingerprint) == ("f" * 64, "s" * 64)
    assert record.created_by == "tester"
    assert record.created_at == done.finished_at
    assert journal["a"].status is AttemptStatus.CREATED and journal["a"].http_status == 201
    assert journal["a"].body == BODY  # the intent keeps its body too
    assert (journal["b"].status, journal["b"].error) == (AttemptStatus.FAILED, "bad template")
    assert snap.last_failures["b"].http_status == 400
    assert snap.in_doubt["c"].error == "HTTP 500"


def test_a_step_records_outcomes_and_the_next_intents_in_one_transaction(backend: StoreBackend):
    """record_step: one serial, outcomes and new intents (with their ids) together."""
    with backend.locked() as store:
        [a] = record_intents(store, [intent("a")])
        serial = backend.fresh().serial
        stored = store.record_step([created(a, "cmp-a")], [intent("b"), intent("c")])
        snap = backend.fresh()
        assert snap.serial == serial + 1
        assert set(snap.campaigns) == {"a"} and set(snap.in_doubt) == {"b", "c"}
        assert [(s.key, s.id) for s in stored] == [
            (x.key, x.id) for x in store.journal() if x.key in {"b", "c"}
        ]


def test_many_intents_and_outcomes_in_one_batch_keep_their_ids(backend: StoreBackend):
    """A batch larger than one IN (...) chunk: every id is its own key's, every outcome lands."""
    keys = [f"k{i:04d}" for i in range(1_200)]
    with backend.locked() as store:
        stored = record_intents(store, [intent(k, body={"name": k}) for k in keys])
        journal = {x.id: x.key for x in store.journal()}
        assert [journal[s.id] for s in stored] == keys
        store.record_step([created(s, f"cmp-{s.key}") for s in stored], ())
    snap = backend.fresh()
    assert len(snap.campaigns) == len(keys) and snap.in_doubt == {}
    assert all(snap.campaigns[k].campaign_id == f"cmp-{k}" for k in keys)
    assert all(snap.campaigns[k].name == k for k in keys)


# -- refusals ------------------------------------------------------------------------------


def test_store_refuses_to_send_a_created_or_doubtful_key_again(backend: StoreBackend):
    """Recording an intent for a created or in-doubt key fails, and records nothing."""
    with backend.locked() as store:
        a, _b = record_intents(store, [intent("a"), intent("b")])
        record_outcome(store, created(a, "1"))
        serial = backend.fresh().serial
        with pytest.raises(StateError, match=r"a \(already created\), b \(in doubt\)"):
            record_intents(store, [intent("a"), intent("b"), intent("c")])
    snap = backend.fresh()
    assert snap.serial == serial and "c" not in snap.in_doubt
    assert [e.key for e in backend.journal()] == ["a", "b"]


def test_an_intent_batch_naming_a_key_twice_is_refused(backend: StoreBackend):
    """Two intents for one key in one batch would be two sends: refused, nothing recorded."""
    with backend.locked() as store, pytest.raises(StateError, match="same key twice"):
        record_intents(store, [intent("a"), intent("a")])
    assert backend.journal() == []


@pytest.mark.parametrize("problem", ["unknown id", "other key", "other fingerprint"])
def test_an_outcome_that_matches_no_intent_refuses_the_whole_batch(
    backend: StoreBackend, problem: str
):
    """Nothing of a refused batch is written: the good outcome beside it stays pending."""
    with backend.locked() as store:
        good, bad = record_intents(store, [intent("good"), intent("bad")])
        wrong = {
            "unknown id": dataclasses.replace(bad, id=bad.id + 1000),
            "other key": dataclasses.replace(bad, key="good"),
            "other fingerprint": dataclasses.replace(bad, fingerprint="0" * 64),
        }[problem]
        before = backend.fresh().serial
        with pytest.raises(StateError):
            store.record_step([created(good, "cmp-1"), created(wrong, "cmp-2")], ())
        after = backend.fresh()
        assert after.serial == before
        assert after.campaigns == {}
        assert set(after.in_doubt) == {"good", "bad"}
        record_outcome(store, created(good, "cmp-1"))  # the store is still writable
    assert backend.fresh().campaigns["good"].campaign_id == "cmp-1"


def test_a_record_with_another_campaign_id_is_never_overwritten(backend: StoreBackend):
    """Recording the same outcome again is harmless; another id for the key is refused."""
    with backend.locked() as store:
        [a] = record_intents(store, [intent("a")])
        record_outcome(store, created(a, "cmp-1"))
        record_outcome(store, created(a, "cmp-1"))
        with pytest.raises(StateError, match="already recorded as campaign cmp-1"):
            record_outcome(store, created(a, "cmp-2"))
        with pytest.raises(StateError, match="no campaign id"):
            record_outcome(store, outcome(a, AttemptStatus.CREATED))
    assert backend.fresh().campaigns["a"].campaign_id == "cmp-1"


def test_a_step_whose_intents_are_refused_records_no_outcome_either(backend: StoreBackend):
    """All or none: an intent for a key already created undoes the step's outcomes too."""
    with backend.locked() as store:
        a, b = record_intents(store, [intent("a"), intent("b")])
        record_outcome(store, created(a, "cmp-a"))
        before = backend.fresh().serial
        with pytest.raises(StateError, match="refusing to send again"):
            store.record_step([created(b, "cmp-b")], [intent("a")])
        snap = backend.fresh()
    assert snap.serial == before
    assert set(snap.campaigns) == {"a"} and set(snap.in_doubt) == {"b"}


def test_a_failed_write_leaves_the_store_writable(backend: StoreBackend):
    """A refused transaction leaves the store as it was, and writable (for the SQL store:
    the writer's connection kept open under the lock recovers)."""
    with backend.locked() as store:
        [a] = record_intents(store, [intent("a")])
        with pytest.raises(StateError):
            record_intents(store, [intent("a")])  # in doubt: refused
        with pytest.raises(StateError):
            record_outcome(store, dataclasses.replace(created(a, "x"), id=a.id + 1))
        record_outcome(store, created(a, "cmp-a"))
        [b] = record_intents(store, [intent("b")])
        assert b.id > a.id
    assert set(backend.fresh().campaigns) == {"a"}


# -- what a snapshot shows ---------------------------------------------------------------


def test_snapshot_rules(backend: StoreBackend):
    """Pending and in-doubt attempts are in doubt; failures show only for uncreated keys."""
    with backend.locked() as store:
        _a, b, c, d = record_intents(store, [intent(k) for k in "abcd"])
        record_outcome(store, outcome(b, AttemptStatus.IN_DOUBT, http_status=503))
        record_outcome(store, outcome(c, AttemptStatus.FAILED, http_status=400, error="nope"))
        record_outcome(store, outcome(d, AttemptStatus.FAILED, http_status=422, error="first"))
        [d2] = record_intents(store, [intent("d")])  # a failed key may be sent again
        record_outcome(store, created(d2, "cmp-d"))
        snap = backend.fresh()
    assert set(snap.in_doubt) == {"a", "b"}
    assert snap.in_doubt["a"].status is AttemptStatus.PENDING
    assert snap.in_doubt["b"].http_status == 503
    assert set(snap.last_failures) == {"c"}
    assert snap.last_failures["c"].error == "nope"
    assert set(snap.campaigns) == {"d"}


def test_latest_failure_is_shown(backend: StoreBackend):
    """Of two failures of one key, the later one is the last failure."""
    with backend.locked() as store:
        for message in ("first", "second"):
            [attempt] = record_intents(store, [intent("k")])
            record_outcome(store, outcome(attempt, AttemptStatus.FAILED, error=message))
    assert backend.fresh().last_failures["k"].error == "second"


def test_snapshot_holds_no_bodies_but_bodies_reads_them(backend: StoreBackend):
    """A snapshot's records have body None; ``bodies`` returns the asked ones exactly."""
    with backend.locked() as store:
        a, b = record_intents(store, [intent("a", body=BODY), intent("b")])
        store.record_step([created(a, "cmp-a"), created(b, "cmp-b")], ())
        found = store.bodies(["a", "nope"])
    snap = backend.fresh()
    assert set(snap.campaigns) == {"a", "b"}
    assert all(r.body is None for r in snap.campaigns.values())
    assert set(found) == {"a"} and found["a"].loaded_body() == BODY


# -- import, forget, move ------------------------------------------------------------------


def _record(key: str, campaign_id: str) -> RecordedCampaign:
    return RecordedCampaign(
        key=key,
        campaign_id=campaign_id,
        name="Imported",
        fingerprint="f" * 64,
        source_fingerprint="s" * 64,
        body={"name": "Imported"},
        ctx_id=None,
        created_by="alice",
        created_at=datetime.now(UTC),
    )


def test_import_settles_doubt_and_is_journaled(backend: StoreBackend):
    """``import`` records the campaign, resolves the in-doubt attempt and journals it."""
    with backend.locked() as store:
        [a] = record_intents(store, [intent("a")])
        record_outcome(store, outcome(a, AttemptStatus.IN_DOUBT, error="HTTP 504"))
        store.import_campaign(_record("a", "cmp-x"))
        with pytest.raises(StateError, match="already recorded"):
            store.import_campaign(_record("a", "cmp-y"))
        journal = store.journal("a")
    snap = backend.fresh()
    assert snap.campaigns["a"].campaign_id == "cmp-x" and snap.in_doubt == {}
    assert [(e.kind, e.status) for e in journal] == [
        ("create", AttemptStatus.RESOLVED),
        ("import", AttemptStatus.CREATED),
    ]
    assert journal[0].error == "HTTP 504; settled by state import (cmp-x)"
    assert (journal[1].campaign_id, journal[1].actor) == ("cmp-x", "alice")


def test_forget_drops_record_and_doubt(backend: StoreBackend):
    """``forget`` removes a record (kept in the journal) and settles a doubt."""
    with backend.locked() as store:
        a, _b = record_intents(store, [intent("a"), intent("b")])
        record_outcome(store, created(a, "cmp-a"))
        store.forget("a", actor="bob")
        store.forget("b", actor="bob")
        with pytest.raises(StateError, match="no record"):
            store.forget("zzz", actor="bob")
        forget_entry = store.journal("a")[-1]
        [again] = record_intents(store, [intent("a")])  # may be sent again now
    snap = backend.fresh()
    assert "a" not in snap.campaigns and "b" not in snap.in_doubt
    assert forget_entry.kind == "forget" and forget_entry.campaign_id == "cmp-a"
    assert forget_entry.actor == "bob" and forget_entry.body is not None
    assert snap.in_doubt["a"].id == again.id


def test_move_rekeys_a_record(backend: StoreBackend):
    """``move`` follows a renamed key, journals both keys, and refuses to overwrite."""
    with backend.locked() as store:
        a, b = record_intents(store, [intent("old"), intent("other")])
        record_outcome(store, created(a, "1"))
        record_outcome(store, created(b, "2"))
        store.move("old", "new", actor="carol")
        with pytest.raises(StateError, match="already recorded"):
            store.move("new", "other", actor="carol")
        with pytest.raises(StateError, match="no such record"):
            store.move("gone", "elsewhere", actor="carol")
    snap = backend.fresh()
    assert set(snap.campaigns) == {"new", "other"}
    assert snap.campaigns["new"].campaign_id == "1"
    moves = [(e.key, e.error) for e in backend.journal() if e.kind == "move"]
    assert moves == [("old", "moved to new"), ("new", "moved from old")]


# -- the fallback journal ------------------------------------------------------------------


def _lost_outcomes(backend: StoreBackend) -> tuple[Attempt, Attempt]:
    """Two creates whose outcomes went to the fallback journal instead of the state."""
    with backend.locked() as store:
        a, b = record_intents(store, [intent("a"), intent("b")])
        store.write_fallback(created(a, "cmp-a"))
        store.write_fallback(outcome(b, AttemptStatus.IN_DOUBT, http_status=504))
    return a, b


def test_a_writer_refuses_while_the_fallback_journal_pends(backend: StoreBackend):
    """Until ``state recover`` merged the journal, no writer may run."""
    _lost_outcomes(backend)
    assert backend.fallback_pending()
    with pytest.raises(JournalPendingError), backend.writer():
        pass


def test_recover_merges_and_removes_the_journal(backend: StoreBackend):
    """``recover`` records the created campaign and the doubt, journaled, then deletes it."""
    _, b = _lost_outcomes(backend)
    with backend.recovering() as store:
        before = store.snapshot()
        result = store.recover(actor="ops")
        journal = store.journal()
    assert not backend.fallback_pending()
    snap = backend.fresh()
    assert set(before.in_doubt) == {"a", "b"}  # both pending before recovery
    assert [x.key for x in result.merged] == ["a", "b"]
    assert snap.campaigns["a"].campaign_id == "cmp-a"
    assert set(snap.in_doubt) == {"b"} and snap.in_doubt["b"].id == b.id
    assert snap.in_doubt["b"].http_status == 504
    assert snap.serial == before.serial + 1  # one transaction
    recover_entries = [e for e in journal if e.kind == "recover"]
    assert [(e.key, e.actor) for e in recover_entries] == [("a", "ops"), ("b", "ops")]
    with backend.writer():
        pass  # writers run again


def test_failed_merge_keeps_the_journal(backend: StoreBackend):
    """If merging fails (a conflicting record), the journal is kept and nothing changes."""
    a, _ = _lost_outcomes(backend)
    with backend.recovering() as store:
        record_outcome(store, created(a, "cmp-other"))  # someone recorded another id meanwhile
        serial = store.snapshot().serial
        with pytest.raises(StateError, match="already recorded as campaign cmp-other"):
            store.recover(actor="ops")
        assert store.snapshot().serial == serial
    assert backend.fallback_pending()


# -- the writer exists only under the lock -------------------------------------------------

_WRITES = ("bind", "record_step", "write_fallback", "import_campaign", "forget", "move",
           "recover", "upgrade", "run_write")  # fmt: skip


def test_the_opened_store_has_no_method_that_writes(backend: StoreBackend):
    """Only ``locked()``'s writer writes: the store itself has no write method at all."""
    with backend.opened() as store:
        assert [name for name in _WRITES if hasattr(store, name)] == []
        assert hasattr(store, "locked") and not hasattr(store, "lock")
        with store.locked("test") as writer:
            assert {"bind", "record_step", "write_fallback", "move"} <= set(dir(writer))


def test_a_writer_refuses_once_its_lock_is_released(backend: StoreBackend):
    """A writer kept past its ``locked()`` block writes nothing, not even the fallback."""
    with backend.locked() as writer:
        [a] = record_intents(writer, [intent("a")])
        record_outcome(writer, created(a, "cmp-a"))
    before = backend.fresh()
    late = [
        lambda: record_intents(writer, [intent("b")]),
        lambda: writer.record_step([], [intent("c")]),
        lambda: writer.bind(API),
        lambda: writer.move("a", "z", actor="late"),
        lambda: writer.forget("a", actor="late"),
        lambda: writer.import_campaign(_record("d", "cmp-d")),
        lambda: writer.write_fallback(created(a, "cmp-a")),
        lambda: writer.recover(actor="late"),
        lambda: writer.snapshot(),
    ]
    for call in late:
        with pytest.raises(StateError, match="lock was released"):
            call()
    after = backend.fresh()
    assert (after.serial, set(after.campaigns)) == (before.serial, {"a"})
    assert not backend.fallback_pending()
