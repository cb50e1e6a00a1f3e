"""The store's contract on every backend: durability, serial, lineage, snapshot rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.errors import StateError
from reconciler.state import open_store, read_snapshot
from reconciler.state.base import AttemptStatus, RecordedCampaign
from tests.state.conftest import StateTarget
from tests.state.helpers import API, created, fresh, intent, locked, open_target, outcome


def test_missing_state_reads_empty(target: StateTarget):
    """A state never written reads as empty, without lineage."""
    snap = fresh(target)
    assert not snap.exists and snap.lineage is None and snap.campaigns == {}


def test_every_write_is_visible_from_a_fresh_connection(target: StateTarget):
    """Intent and outcome are durable as soon as each call returns."""
    with locked(target) as store:
        [pending] = store.record_intents([intent("a")])
        assert pending.id > 0
        assert fresh(target).in_doubt["a"].id == pending.id  # a crash now leaves it in doubt
        store.record_outcome(created(pending, "cmp-1"))
        snap = fresh(target)
    assert snap.campaigns["a"].campaign_id == "cmp-1"
    assert snap.campaigns["a"].name == "Campaign a"
    assert snap.campaigns["a"].created_by == "tester"
    assert snap.in_doubt == {}
    assert snap.api_url == API


def test_serial_grows_and_lineage_stays(target: StateTarget):
    """Each write bumps the serial by one; the lineage never changes."""
    with locked(target) as store:
        first = fresh(target)
        [a, b] = store.record_intents([intent("a"), intent("b")])
        after_intents = fresh(target)
        store.record_outcome(created(a, "1"))
        store.record_outcome(outcome(b, AttemptStatus.FAILED, http_status=400, error="bad"))
        last = fresh(target)
    assert first.exists and first.serial == 0
    assert after_intents.serial == 1  # one transaction for the whole batch
    assert last.serial == 3
    assert first.lineage == after_intents.lineage == last.lineage


def test_reopening_keeps_lineage(target: StateTarget):
    """Binding an existing state again keeps its lineage and serial."""
    with locked(target) as store:
        store.record_intents([intent("a")])
    before = fresh(target)
    with locked(target):
        pass
    after = fresh(target)
    assert (before.lineage, before.serial) == (after.lineage, after.serial)


def test_snapshot_rules(target: StateTarget):
    """Pending and in-doubt attempts are in doubt; failures show only for uncreated keys."""
    with locked(target) as store:
        _a, b, c, d = store.record_intents([intent(k) for k in "abcd"])
        store.record_outcome(outcome(b, AttemptStatus.IN_DOUBT, http_status=503))
        store.record_outcome(outcome(c, AttemptStatus.FAILED, http_status=400, error="nope"))
        store.record_outcome(outcome(d, AttemptStatus.FAILED, http_status=422, error="first"))
        [d2] = store.record_intents([intent("d")])  # a failed key may be sent again
        store.record_outcome(created(d2, "cmp-d"))
        snap = fresh(target)
    assert set(snap.in_doubt) == {"a", "b"}
    assert snap.in_doubt["a"].status is AttemptStatus.PENDING
    assert snap.in_doubt["b"].http_status == 503
    assert set(snap.last_failures) == {"c"}
    assert snap.last_failures["c"].error == "nope"
    assert set(snap.campaigns) == {"d"}


def test_latest_failure_is_shown(target: StateTarget):
    """Of two failures of one key, the later one is the last failure."""
    with locked(target) as store:
        for message in ("first", "second"):
            [attempt] = store.record_intents([intent("k")])
            store.record_outcome(outcome(attempt, AttemptStatus.FAILED, error=message))
    assert fresh(target).last_failures["k"].error == "second"


def test_store_refuses_to_send_a_created_or_doubtful_key_again(target: StateTarget):
    """Recording an intent for a created or in-doubt key fails, and records nothing."""
    with locked(target) as store:
        a, _b = store.record_intents([intent("a"), intent("b")])
        store.record_outcome(created(a, "1"))
        serial = fresh(target).serial
        with pytest.raises(StateError, match=r"a \(already created\), b \(in doubt\)"):
            store.record_intents([intent("a"), intent("b"), intent("c")])
    snap = fresh(target)
    assert snap.serial == serial and "c" not in snap.in_doubt
    reader = open_target(target)
    assert [e.key for e in reader.journal()] == ["a", "b"]
    reader.close()


def test_writes_need_the_lock(target: StateTarget):
    """A writer that did not take the environment lock cannot write."""
    with locked(target):
        pass
    store = open_target(target)
    with pytest.raises(StateError, match="lock"):
        store.record_intents([intent("a")])
    store.close()


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


def test_import_settles_doubt_and_is_journaled(target: StateTarget):
    """``import`` records the campaign, resolves the in-doubt attempt and journals it."""
    with locked(target) as store:
        [a] = store.record_intents([intent("a")])
        store.record_outcome(outcome(a, AttemptStatus.IN_DOUBT))
        store.import_campaign(_record("a", "cmp-x"))
        with pytest.raises(StateError, match="already recorded"):
            store.import_campaign(_record("a", "cmp-y"))
        journal = store.journal("a")
    snap = fresh(target)
    assert snap.campaigns["a"].campaign_id == "cmp-x" and snap.in_doubt == {}
    assert [(e.kind, e.status) for e in journal] == [
        ("create", AttemptStatus.RESOLVED),
        ("import", AttemptStatus.CREATED),
    ]


def test_forget_drops_record_and_doubt(target: StateTarget):
    """``forget`` removes a record (kept in the journal) and settles a doubt."""
    with locked(target) as store:
        a, _b = store.record_intents([intent("a"), intent("b")])
        store.record_outcome(created(a, "cmp-a"))
        store.forget("a", actor="bob")
        store.forget("b", actor="bob")
        with pytest.raises(StateError, match="no record"):
            store.forget("zzz", actor="bob")
        forget_entry = store.journal("a")[-1]
        [again] = store.record_intents([intent("a")])  # may be sent again now
    snap = fresh(target)
    assert "a" not in snap.campaigns and "b" not in snap.in_doubt
    assert forget_entry.kind == "forget" and forget_entry.campaign_id == "cmp-a"
    assert forget_entry.actor == "bob" and forget_entry.body is not None
    assert snap.in_doubt["a"].id == again.id


def test_move_rekeys_a_record(target: StateTarget):
    """``move`` follows a renamed key and refuses to overwrite."""
    with locked(target) as store:
        a, b = store.record_intents([intent("old"), intent("other")])
        store.record_outcome(created(a, "1"))
        store.record_outcome(created(b, "2"))
        store.move("old", "new", actor="carol")
        with pytest.raises(StateError, match="already recorded"):
            store.move("new", "other", actor="carol")
    snap = fresh(target)
    assert set(snap.campaigns) == {"new", "other"}
    assert snap.campaigns["new"].campaign_id == "1"


def test_foreign_environment_is_refused(target: StateTarget):
    """A state bound to another environment is refused for reading and writing."""
    with locked(target):
        pass
    with pytest.raises(StateError, match="belongs to environment 'dev', not 'prod'") as err:
        read_snapshot(target.location, "prod", root=target.root)
    assert "must not re-create every campaign" in err.value.hint
    store = open_store(target.location, "prod", root=target.root)
    with pytest.raises(StateError, match="belongs to environment"), store.lock("t"):
        store.bind(API)
    store.close()


def test_foreign_api_is_refused(target: StateTarget):
    """A state bound to one API is refused when opened for another."""
    with locked(target, api_url=API + "/"):
        pass
    with pytest.raises(StateError, match="is bound to API"):
        read_snapshot(target.location, "dev", root=target.root, api_url="sandbox")
    with pytest.raises(StateError, match="is bound to API"), locked(target, api_url="sandbox"):
        pass
    assert fresh(target).api_url == API  # trailing slash normalised


def test_concurrent_outcomes_from_threads_are_all_recorded(target: StateTarget):
    """Executor threads recording outcomes at once lose none and bump the serial once each."""
    import threading

    with locked(target) as store:
        pending = store.record_intents([intent(f"k{i}") for i in range(12)])
        start = fresh(target).serial
        barrier = threading.Barrier(len(pending))
        errors: list[BaseException] = []

        def record(attempt) -> None:
            barrier.wait()
            try:
                store.record_outcome(created(attempt, f"cmp-{attempt.key}"))
            except BaseException as exc:  # collected: asserted below
                errors.append(exc)

        threads = [threading.Thread(target=record, args=(a,)) for a in pending]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    snap = fresh(target)
    assert errors == []
    assert len(snap.campaigns) == 12 and snap.in_doubt == {}
    assert snap.serial == start + 12
