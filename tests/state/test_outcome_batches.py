"""Batched writes: outcomes and intents in one transaction, exact bodies, all or none."""

from __future__ import annotations

import dataclasses

import pytest

from reconciler.errors import StateError
from reconciler.state.base import AttemptStatus
from tests.state.conftest import StateTarget
from tests.state.helpers import created, fresh, intent, locked, open_target, outcome

BODY = {
    "name": "Diwali ✨",
    "touchpoint": {"customer_details": [{"id": "r1", "to_number": "+919812345601"}]},
    "nested": {"z": [1, 2.5, None, True], "a": "ünï"},
}


def test_a_mixed_batch_records_each_outcome_and_copies_the_intents_body(target: StateTarget):
    """One transaction: created, failed and in-doubt outcomes; records carry the intent's
    body (exactly), fingerprints and actor, and the outcome's id, ctx_id and time."""
    with locked(target) as store:
        a, b, c = store.record_intents(
            [intent("a", body=BODY), intent("b", fingerprint="b" * 64), intent("c")]
        )
        serial = fresh(target).serial
        done = created(a, "cmp-a")
        store.record_outcomes(
            [
                done,
                outcome(b, AttemptStatus.FAILED, http_status=400, error="bad template"),
                outcome(c, AttemptStatus.IN_DOUBT, http_status=500, error="HTTP 500"),
            ]
        )
        [record] = store.bodies(["a"]).values()
        journal = {x.key: x for x in store.journal()}
    snap = fresh(target)
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


@pytest.mark.parametrize("problem", ["unknown id", "other key", "other fingerprint"])
def test_an_outcome_that_matches_no_intent_refuses_the_whole_batch(
    target: StateTarget, problem: str
):
    """Nothing of a refused batch is written: the good outcome beside it stays pending."""
    with locked(target) as store:
        good, bad = store.record_intents([intent("good"), intent("bad")])
        wrong = {
            "unknown id": dataclasses.replace(bad, id=bad.id + 1000),
            "other key": dataclasses.replace(bad, key="good"),
            "other fingerprint": dataclasses.replace(bad, fingerprint="0" * 64),
        }[problem]
        before = fresh(target).serial
        with pytest.raises(StateError):
            store.record_outcomes([created(good, "cmp-1"), created(wrong, "cmp-2")])
        after = fresh(target)
        assert after.serial == before
        assert after.campaigns == {}
        assert set(after.in_doubt) == {"good", "bad"}
        store.record_outcome(created(good, "cmp-1"))  # the store is still writable
    assert fresh(target).campaigns["good"].campaign_id == "cmp-1"


def test_a_record_with_another_campaign_id_is_never_overwritten(target: StateTarget):
    """Recording the same outcome again is harmless; another id for the key is refused."""
    with locked(target) as store:
        [a] = store.record_intents([intent("a")])
        store.record_outcome(created(a, "cmp-1"))
        store.record_outcome(created(a, "cmp-1"))
        with pytest.raises(StateError, match="already recorded as campaign cmp-1"):
            store.record_outcome(created(a, "cmp-2"))
        with pytest.raises(StateError, match="no campaign id"):
            store.record_outcome(outcome(a, AttemptStatus.CREATED))
    assert fresh(target).campaigns["a"].campaign_id == "cmp-1"


def test_a_step_records_outcomes_and_the_next_intents_in_one_transaction(target: StateTarget):
    """record_step: one serial, outcomes and new intents (with their ids) together."""
    with locked(target) as store:
        [a] = store.record_intents([intent("a")])
        serial = fresh(target).serial
        stored = store.record_step([created(a, "cmp-a")], [intent("b"), intent("c")])
        snap = fresh(target)
        assert snap.serial == serial + 1
        assert set(snap.campaigns) == {"a"} and set(snap.in_doubt) == {"b", "c"}
        assert [(s.key, s.id) for s in stored] == [
            (x.key, x.id) for x in store.journal() if x.key in {"b", "c"}
        ]


def test_a_step_whose_intents_are_refused_records_no_outcome_either(target: StateTarget):
    """All or none: an intent for a key already created undoes the step's outcomes too."""
    with locked(target) as store:
        a, b = store.record_intents([intent("a"), intent("b")])
        store.record_outcome(created(a, "cmp-a"))
        before = fresh(target).serial
        with pytest.raises(StateError, match="refusing to send again"):
            store.record_step([created(b, "cmp-b")], [intent("a")])
        snap = fresh(target)
    assert snap.serial == before
    assert set(snap.campaigns) == {"a"} and set(snap.in_doubt) == {"b"}


def test_many_intents_and_outcomes_in_one_batch_keep_their_ids(target: StateTarget):
    """A batch larger than one IN (...) chunk: every id is its own key's, every outcome lands."""
    keys = [f"k{i:04d}" for i in range(1_200)]
    with locked(target) as store:
        stored = store.record_intents([intent(k, body={"name": k}) for k in keys])
        journal = {x.id: x.key for x in store.journal()}
        assert [journal[s.id] for s in stored] == keys
        store.record_outcomes([created(s, f"cmp-{s.key}") for s in stored])
    snap = fresh(target)
    assert len(snap.campaigns) == len(keys) and snap.in_doubt == {}
    assert all(snap.campaigns[k].campaign_id == f"cmp-{k}" for k in keys)
    assert all(snap.campaigns[k].name == k for k in keys)


def test_a_failed_write_leaves_the_store_writable(target: StateTarget):
    """The writer's connection kept open under the lock recovers from a refused transaction."""
    store = open_target(target)
    try:
        with store.lock("test"):
            store.bind("https://api.example.test")
            [a] = store.record_intents([intent("a")])
            with pytest.raises(StateError):
                store.record_intents([intent("a")])  # in doubt: refused
            with pytest.raises(StateError):
                store.record_outcome(dataclasses.replace(created(a, "x"), id=a.id + 1))
            store.record_outcome(created(a, "cmp-a"))
            [b] = store.record_intents([intent("b")])
            assert b.id > a.id
    finally:
        store.close()
    assert set(fresh(target).campaigns) == {"a"}


def test_a_write_before_bind_is_refused_under_every_lock(target: StateTarget):
    """The binding is checked once per lock held, so a store never bound is refused each
    time; once bound, a later lock checks it again."""
    store = open_target(target)
    try:
        for _ in range(2):
            with (
                store.lock("test"),
                pytest.raises(StateError, match="not bound to its environment yet"),
            ):
                store.record_intents([intent("a")])
        with store.lock("test"):
            store.bind("https://api.example.test")
            store.record_intents([intent("a")])
        with store.lock("test"):
            [b] = store.record_intents([intent("b")])
            assert b.id > 0
    finally:
        store.close()
    assert set(fresh(target).in_doubt) == {"a", "b"}
