"""state import / forget / recover over the fake store: what they record and refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.commands.resolve import (
    Resolution,
    forget_campaign,
    import_campaign,
    recover_journal,
)
from reconciler.errors import AbortedError, StateError
from reconciler.plan import ActionKind
from reconciler.planner import make_plan
from tests.apply.helpers import task
from tests.support.factories import make_desired
from tests.support.fake_api import FakeCampaignAPI, in_doubt
from tests.support.fake_state import FakeStateStore, execute_locked

HOW = Resolution("dev", "sandbox", auto_approve=True)
NOW = datetime(2027, 10, 1, tzinfo=UTC)


def _in_doubt_store(key: str = "k") -> FakeStateStore:
    store = FakeStateStore()
    api = FakeCampaignAPI(store, script={key: [in_doubt(server_created=True)]})
    execute_locked([task(key)], store, api)
    assert key in store.snapshot().in_doubt
    return store


def test_import_records_the_body_of_the_in_doubt_attempt() -> None:
    """Import settles the attempt and records the body that was really sent."""
    store = _in_doubt_store()
    message = import_campaign(store, "k", "cmp-9", lambda: None, HOW)
    record = store.campaigns["k"]
    assert record.campaign_id == "cmp-9"
    assert record.body == task("k").body
    assert record.fingerprint == task("k").fingerprint
    assert store.snapshot().in_doubt == {}
    assert "cmp-9" in message and "in-doubt attempt" in message


def test_import_without_an_attempt_uses_the_spec_and_plans_unchanged() -> None:
    """With no attempt, the spec's current body is recorded: the key then plans unchanged."""
    store = FakeStateStore(bound_to=None)
    desired = make_desired("k")
    message = import_campaign(store, "k", "cmp-1", lambda: desired, HOW)
    assert "spec's current body" in message
    plan = make_plan([desired], store.snapshot(), environment="dev", now=NOW)
    assert [a.kind for a in plan.actions] == [ActionKind.UNCHANGED]


def test_import_refuses_an_unknown_key_and_a_recorded_one() -> None:
    """No attempt and no spec: refused; an already recorded key: refused."""
    store = FakeStateStore()
    with pytest.raises(StateError, match="no in-doubt attempt"):
        import_campaign(store, "k", "cmp-1", lambda: None, HOW)
    import_campaign(store, "k", "cmp-1", lambda: make_desired("k"), HOW)
    with pytest.raises(StateError, match="already recorded"):
        import_campaign(store, "k", "cmp-2", lambda: make_desired("k"), HOW)
    assert store.campaigns["k"].campaign_id == "cmp-1"


def test_forget_drops_the_attempt_so_the_key_plans_as_create() -> None:
    """After forget, the key is neither recorded nor in doubt."""
    store = _in_doubt_store()
    message = forget_campaign(store, "k", HOW)
    snap = store.snapshot()
    assert snap.in_doubt == {} and "k" not in snap.campaigns
    assert "Forgot k" in message
    with pytest.raises(StateError):
        forget_campaign(store, "k", HOW)


def test_resolving_needs_confirmation() -> None:
    """Without --auto-approve and no terminal, nothing changes; a 'no' changes nothing."""
    store = _in_doubt_store()
    writes = list(store.writes)
    with pytest.raises(AbortedError):
        forget_campaign(store, "k", Resolution("dev", "sandbox"))
    asked: list[str] = []

    def no(question: str) -> bool:
        asked.append(question)
        return False

    with pytest.raises(AbortedError):
        import_campaign(store, "k", "c", lambda: None, Resolution("dev", "sandbox", confirm=no))
    assert store.writes == writes
    assert "campaign id c" in asked[0]


def test_resolving_refuses_a_state_of_another_api() -> None:
    """A state bound elsewhere is not touched."""
    store = _in_doubt_store()
    with pytest.raises(StateError, match="belongs to"):
        forget_campaign(store, "k", Resolution("dev", "https://x", auto_approve=True))


def test_recover_merges_the_fallback_journal() -> None:
    """Outcomes kept beside the state are merged; the lock works again afterwards."""
    store = FakeStateStore()
    store.fail_record_outcome = 1
    api = FakeCampaignAPI(store)
    execute_locked([task("k")], store, api)
    assert store.fallback
    message = recover_journal(store, HOW)
    assert "k: created" in message
    assert store.campaigns["k"].campaign_id == api.server["k"][0]
    with store.locked("apply"):
        pass
