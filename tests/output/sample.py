"""A plan with every action, warning and guard error: the input of the golden tests."""

from __future__ import annotations

from datetime import timedelta

from reconciler.guards import GuardSettings, with_guards
from reconciler.plan import Plan
from reconciler.planner import PromotionSource, make_plan
from reconciler.state.base import AttemptStatus
from tests.support.factories import NOW, make_attempt, make_desired, make_record, make_snapshot


def sample_plan() -> Plan:
    """Every action once, a failed attempt, a past start, a flagged and a refused campaign."""
    same = make_desired("b-same", name="Same | old")
    old = make_desired("c-changed", name="Changed")
    new = make_desired("c-changed", name="Changed", business_goal="A new goal")
    state = make_snapshot(
        "prod",
        records=[
            make_record("b-same", desired=same),
            make_record("c-changed", desired=old),
            make_record("d-gone", name="Gone campaign"),
            make_record("g-old-key", desired=make_desired("g-old-key", name="Renamed")),
        ],
        in_doubt=[make_attempt("e-doubt", id=12)],
        failures=[
            make_attempt(
                "a-create",
                status=AttemptStatus.FAILED,
                error="400: invalid number 919812345601",
                http_status=400,
            )
        ],
    )
    desired = [
        make_desired("a-create", recipients=3, start_at=(NOW - timedelta(days=1)).isoformat()),
        make_desired("a-suppress", ignore_suppression=True, name="Win-back <all>"),
        same,
        new,
        make_desired("e-doubt"),
        make_desired("f-wait", source_fingerprint="src-new"),
        make_desired("g-new-key", name="Renamed", previous_keys=["g-old-key"]),
    ]
    promotion = PromotionSource(
        "staging", {"a-create": "src-a-create", "a-suppress": "src-a-suppress", "f-wait": "src-old"}
    )
    plan = make_plan(desired, state, environment="prod", now=NOW, promotion=promotion)
    return with_guards(plan, GuardSettings(max_recipients=2))
