"""The apply use case over fakes: lock, bind check, guards, confirmation, moves, no-op."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest

from reconciler.api.factory import read_token
from reconciler.apply_plan import ApplyPlan
from reconciler.campaign import DesiredCampaign
from reconciler.commands.apply import (
    ApplyHooks,
    ApplyOptions,
    Destination,
    PlanSource,
    run_apply,
)
from reconciler.errors import AbortedError, ConfigError, GuardError, StateError, StateLockedError
from reconciler.guards import GuardSettings
from reconciler.plan import Plan
from reconciler.planner import make_plan
from reconciler.runtime import Runtime
from reconciler.state.base import Attempt, AttemptStatus, LockInfo, StateSnapshot
from tests.support.factories import make_desired, record_intents
from tests.support.fake_api import FakeCampaignAPI
from tests.support.fake_state import FakeStateStore

NOW = datetime(2027, 10, 1, tzinfo=UTC)
AUTO = ApplyOptions(auto_approve=True)


def _desired(*keys: str, **kw: object) -> list[DesiredCampaign]:
    return [make_desired(k, name=k, **kw) for k in keys]  # type: ignore[arg-type]


class Opener:
    """An API factory that counts how often the token would have been read."""

    def __init__(self, api: FakeCampaignAPI) -> None:
        self.api = api
        self.opened = 0

    def __call__(self) -> FakeCampaignAPI:
        self.opened += 1
        return self.api


def _run(
    store: FakeStateStore,
    desired: Sequence[DesiredCampaign],
    *,
    options: ApplyOptions = AUTO,
    hooks: ApplyHooks | None = None,
    guards: GuardSettings | None = None,
    require_state: bool = False,
    load_bodies: Callable[[Plan], None] = lambda preview: None,
) -> tuple[object, Opener]:
    opener = Opener(FakeCampaignAPI(store))
    destination = Destination("dev", "sandbox", guards or GuardSettings(), require_state)

    under_lock: list[bool] = []

    def plan_for(snapshot: StateSnapshot) -> Plan:
        under_lock.append(store.holder is not None)
        return make_plan(desired, snapshot, environment="dev", now=NOW)

    writes_before = len(store.writes)
    try:
        source = PlanSource(plan_for, opener, load_bodies)
        report = run_apply(store, destination, source, options, hooks or ApplyHooks(), Runtime())
    finally:
        # A read-only preview may plan without the lock; whatever is written or sent
        # must come from a plan made under it.
        if len(store.writes) > writes_before:
            assert under_lock and under_lock[-1], "applied a plan made outside the lock"
    return report, opener


def test_creates_are_sent_and_recorded_under_the_lock() -> None:
    """An approved apply binds the state, creates each campaign and records it."""
    store = FakeStateStore(bound_to=None)
    report, opener = _run(store, _desired("a", "b"))
    assert set(store.campaigns) == {"a", "b"}
    assert store.api_url == "sandbox"
    assert opener.api.violations == []
    assert report.exit_code == 0  # type: ignore[attr-defined]
    assert store.holder is None


def test_a_no_op_apply_writes_nothing_and_reads_no_token() -> None:
    """Nothing to create: no state is made, no write happens, the API is never opened."""
    store = FakeStateStore(bound_to=None)
    report, opener = _run(store, [])
    assert report.nothing_to_do  # type: ignore[attr-defined]
    assert store.writes == [] and not store.exists
    assert opener.opened == 0


def test_created_campaigns_are_not_sent_again() -> None:
    """A second apply of the same specs is a no-op."""
    store = FakeStateStore()
    _run(store, _desired("a"))
    writes = len(store.writes)
    report, opener = _run(store, _desired("a"))
    assert report.nothing_to_do  # type: ignore[attr-defined]
    assert len(store.writes) == writes
    assert opener.api.calls == []


def test_without_a_terminal_or_approval_apply_refuses() -> None:
    """No --auto-approve and nobody to ask: AbortedError, nothing written or sent."""
    store = FakeStateStore(bound_to=None)
    with pytest.raises(AbortedError):
        _run(store, _desired("a"), options=ApplyOptions())
    assert store.writes == []


def test_a_declined_confirmation_sends_nothing() -> None:
    """Answering anything but yes leaves the state untouched."""
    store = FakeStateStore()
    shown: list[Plan] = []
    hooks = ApplyHooks(show_plan=shown.append, confirm=lambda plan: False)
    with pytest.raises(AbortedError):
        _run(store, _desired("a"), options=ApplyOptions(), hooks=hooks)
    assert store.writes == []
    assert len(shown) == 1 and shown[0].creates[0].key == "a"


def test_the_confirmation_is_asked_while_holding_the_lock() -> None:
    """The plan shown is the plan applied: the lock is held while asking."""
    store = FakeStateStore()
    held: list[LockInfo | None] = []

    def confirm(applied: ApplyPlan) -> bool:
        held.append(store.holder)
        return True

    _run(store, _desired("a"), options=ApplyOptions(), hooks=ApplyHooks(confirm=confirm))
    assert held and held[0] is not None
    assert "a" in store.campaigns


def test_max_creates_refuses_before_sending_anything() -> None:
    """Over the cap: GuardError, no token read, no write."""
    store = FakeStateStore()
    with pytest.raises(GuardError, match="max_creates"):
        _run(store, _desired("a", "b"), guards=GuardSettings(max_creates=1))
    assert store.writes == []


def test_ignore_suppression_is_refused_unless_allowed() -> None:
    """A create that would message opted-out people needs allow_ignore_suppression."""
    store = FakeStateStore()
    desired = _desired("a", ignore_suppression=True)
    with pytest.raises(GuardError, match="ignore_suppression"):
        _run(store, desired)
    assert store.writes == []
    _run(store, desired, guards=GuardSettings(allow_ignore_suppression=True))
    assert "a" in store.campaigns


def test_max_recipients_refuses() -> None:
    """A campaign over max_recipients is refused."""
    store = FakeStateStore()
    with pytest.raises(GuardError, match="max_recipients"):
        _run(store, _desired("a", recipients=3), guards=GuardSettings(max_recipients=2))
    assert store.writes == []


def test_a_state_bound_to_another_api_is_refused() -> None:
    """A switched state must not re-create every campaign."""
    store = FakeStateStore(bound_to="https://other.example")
    with pytest.raises(StateError, match="belongs to"):
        _run(store, _desired("a"))
    assert store.writes == []


def test_a_state_of_another_environment_is_refused() -> None:
    """A state naming another environment is refused."""
    store = FakeStateStore(environment="prod")
    with pytest.raises(StateError, match="prod"):
        _run(store, _desired("a"))


def test_require_state_refuses_a_missing_state_unless_new_state() -> None:
    """require_state: a missing state is an error; --new-state creates it deliberately."""
    store = FakeStateStore(bound_to=None)
    with pytest.raises(StateError, match="does not exist"):
        _run(store, _desired("a"), require_state=True)
    assert store.writes == []
    new_state = dataclasses.replace(AUTO, new_state=True)
    _run(store, _desired("a"), require_state=True, options=new_state)
    assert "a" in store.campaigns


def test_campaigns_in_doubt_are_listed_and_not_sent() -> None:
    """An unresolved attempt plans as in doubt: warned about, never sent."""
    store = FakeStateStore()
    pending = Attempt(0, "a", "create", AttemptStatus.PENDING, "fp", "sfp", {}, "k", NOW)
    with store.locked("test") as writer:
        record_intents(writer, [pending])
    report, opener = _run(store, _desired("a", "b"))
    assert report.in_doubt_before == ["a"]  # type: ignore[attr-defined]
    assert [c[0] for c in opener.api.calls] == ["b"]
    assert report.exit_code == 0  # type: ignore[attr-defined]


def test_a_renamed_key_moves_the_record_without_a_request() -> None:
    """previous_keys: the record follows the new key; nothing is sent."""
    store = FakeStateStore()
    _run(store, _desired("old"))
    renamed = make_desired("new", name="old", previous_keys=["old"])
    report, opener = _run(store, [renamed])
    assert report.moved == [("old", "new")]  # type: ignore[attr-defined]
    assert set(store.campaigns) == {"new"}
    assert opener.api.calls == []


def test_a_second_writer_is_refused_by_the_lock() -> None:
    """While another writer holds the lock, apply fails and sends nothing."""
    store = FakeStateStore()
    with store.locked("apply"), pytest.raises(StateLockedError):
        _run(store, _desired("a"))
    assert store.campaigns == {}


def test_a_missing_token_names_the_variable() -> None:
    """The error names the variable, and a set token is returned as is."""
    with pytest.raises(ConfigError, match="CS_TOKEN_X"):
        read_token("CS_TOKEN_X", {})
    assert read_token("CS_TOKEN_X", {"CS_TOKEN_X": "tok-SECRET-123"}) == "tok-SECRET-123"


def test_a_refused_apply_takes_no_lock() -> None:
    """Refusals that need no lock (no terminal, guards) come first: nothing at all is written."""
    store = FakeStateStore(bound_to=None)
    with pytest.raises(AbortedError):
        _run(store, _desired("a"), options=ApplyOptions())
    with pytest.raises(GuardError):
        _run(store, _desired("a", "b"), guards=GuardSettings(max_creates=1))
    assert store.lock_calls == 0


def test_a_body_that_can_no_longer_be_loaded_stops_before_any_write() -> None:
    """A spec edited or removed after planning: the run stops with nothing written or sent."""
    from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed

    def gone(preview: Plan) -> None:
        raise ValidationFailed([Diagnostic(SourceLocation("campaigns/a.yaml"), "changed")])

    fresh = make_desired("a", name="a")
    lazy = dataclasses.replace(fresh, body_json=None)  # as taken from the cache
    store = FakeStateStore(bound_to=None)
    with pytest.raises(ValidationFailed):
        _run(store, [lazy], load_bodies=gone)
    assert store.writes == []
    assert store.lock_calls == 0  # refused before the lock


def test_a_create_without_its_body_under_the_lock_stops_before_any_write() -> None:
    """A campaign that became a create after the preview has no body loaded: refused."""
    lazy = dataclasses.replace(make_desired("a", name="a"), body_json=None)
    store = FakeStateStore(bound_to=None)
    with pytest.raises(StateError, match="became a create after apply first read the state"):
        _run(store, [lazy])
    assert store.writes == []


def test_a_create_without_its_body_under_the_lock_is_refused_before_the_question() -> None:
    """Nobody is asked to approve a run that would be refused: the bodies come first."""
    lazy = dataclasses.replace(make_desired("a", name="a"), body_json=None)
    store = FakeStateStore(bound_to=None)
    asked: list[ApplyPlan] = []
    hooks = ApplyHooks(confirm=lambda applied: asked.append(applied) is None)
    with pytest.raises(StateError, match="became a create"):
        _run(store, [lazy], options=ApplyOptions(), hooks=hooks)
    assert asked == [] and store.writes == []
