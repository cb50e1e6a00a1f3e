"""``apply --env`` and ``apply PLAN_FILE`` build and run the same ApplyPlan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from reconciler.apply_plan import ApplyPlan, idempotency_key
from reconciler.commands.apply import (
    ApplyHooks,
    ApplyOptions,
    ApplyReport,
    Destination,
    PlanSource,
    run_apply,
    saved_plan_source,
)
from reconciler.guards import GuardSettings
from reconciler.plan import Plan
from reconciler.planfile import SavedPlan, build_saved_plan, saved_plan_as_plan
from reconciler.planner import make_plan
from reconciler.runtime import Runtime
from reconciler.state.base import StateSnapshot
from tests.support.factories import make_desired
from tests.support.fake_api import FakeCampaignAPI
from tests.support.fake_state import FakeStateStore

NOW = datetime(2027, 10, 1, tzinfo=UTC)
DESTINATION = Destination("dev", "sandbox", GuardSettings())
# A record renamed by previous_keys, a new campaign, and one left alone.
RENAMED = [
    make_desired("new", name="old", previous_keys=["old"]),
    make_desired("fresh", name="fresh"),
    make_desired("kept", name="kept"),
]


def _store_with_old_and_kept() -> FakeStateStore:
    store = FakeStateStore()
    before = [make_desired("old", name="old"), make_desired("kept", name="kept")]
    _run(store, lambda snapshot: make_plan(before, snapshot, environment="dev", now=NOW))
    return store


def _live(snapshot: StateSnapshot) -> Plan:
    return make_plan(RENAMED, snapshot, environment="dev", now=NOW)


def _saved(snapshot: StateSnapshot) -> SavedPlan:
    return build_saved_plan(_live(snapshot), api_url="sandbox", phone_format="e164", created_at=NOW)


def _run(
    store: FakeStateStore, plan_for: Callable[[StateSnapshot], Plan]
) -> tuple[ApplyReport, FakeCampaignAPI]:
    api = FakeCampaignAPI(store)
    return _run_source(store, PlanSource(plan_for, lambda: api)), api


def _run_source(store: FakeStateStore, source: PlanSource) -> ApplyReport:
    options = ApplyOptions(auto_approve=True)
    return run_apply(store, DESTINATION, source, options, ApplyHooks(), Runtime())


def test_a_saved_plan_builds_the_apply_plan_a_fresh_plan_builds() -> None:
    """Same project, same state: equal tasks (bodies, keys), moves, lineage and serial."""
    snapshot = _store_with_old_and_kept().snapshot()
    live = ApplyPlan.from_plan(_live(snapshot), "sandbox")
    as_plan = saved_plan_as_plan(_saved(snapshot), snapshot, "p.json")
    assert ApplyPlan.from_plan(as_plan, "sandbox") == live
    assert live.moves == (("old", "new"),)
    assert [t.key for t in live.tasks] == ["fresh"]
    fresh = live.tasks[0]
    assert fresh.idempotency_key == idempotency_key("dev", "fresh", fresh.fingerprint)
    assert (live.lineage, live.serial) == (snapshot.lineage, snapshot.serial)


def test_both_kinds_of_apply_move_and_create_the_same() -> None:
    """A rename in a saved plan is applied exactly as the live apply applies it."""
    live_store, saved_store = _store_with_old_and_kept(), _store_with_old_and_kept()
    saved = _saved(saved_store.snapshot())
    live_report, live_api = _run(live_store, _live)
    saved_api = FakeCampaignAPI(saved_store)
    source = saved_plan_source(saved, "p.json", lambda: saved_api)
    saved_report = _run_source(saved_store, source)
    assert live_report.applied is not None and live_report.applied == saved_report.applied
    assert live_report.moved == saved_report.moved == [("old", "new")]
    assert live_api.calls == saved_api.calls and [c[0] for c in live_api.calls] == ["fresh"]
    assert set(live_store.campaigns) == set(saved_store.campaigns) == {"new", "fresh", "kept"}
    assert live_store.writes == saved_store.writes
