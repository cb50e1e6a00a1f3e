"""Plans and recorded bodies for the policy tests: campaigns named by key, start, numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.policies import PolicyInputs, PolicySettings, SuppressionList, with_policies
from reconciler.settings import FrequencyCap, QuietHours
from tests.support.factories import make_body, make_desired

START = "2027-11-01T10:00:00+05:30"


def body(
    start: str = START, numbers: Sequence[str] = ("+919800000101",), **settings: Any
) -> dict[str, Any]:
    """A valid body starting at ``start``, to ``numbers`` (ids r0, r1, ...)."""
    made = make_body(start_at=start)
    tp = made["touchpoint"]
    tp["customer_details"] = [{"id": f"r{i}", "to_number": n} for i, n in enumerate(numbers)]
    tp["additional_settings"].update(settings)
    return made


def create(
    key: str, start: str = START, numbers: Sequence[str] = ("+919800000101",), **settings: Any
) -> PlannedAction:
    """A campaign to create."""
    desired = make_desired(key, body=body(start, numbers, **settings))
    return PlannedAction(key, ActionKind.CREATE, desired=desired)


def plan_of(*actions: PlannedAction) -> Plan:
    return Plan("dev", tuple(sorted(actions, key=lambda a: a.key)))


def check(
    plan: Plan,
    *,
    recorded: Iterable[tuple[str, Mapping[str, Any]]] = (),
    lists: Sequence[SuppressionList] = (),
    **settings: Any,
) -> Plan:
    """``with_policies`` over ``plan`` with these settings, recorded bodies and lists."""
    found = list(recorded)
    inputs = PolicyInputs(PolicySettings(**settings), tuple(lists), lambda: iter(found))
    return with_policies(plan, inputs)


def cap(most: int, days: int, mode: str = "error") -> FrequencyCap:
    return FrequencyCap(max=most, days=days, mode=mode)  # type: ignore[arg-type]


def quiet(start: int = 21, end: int = 8, mode: str = "error") -> QuietHours:
    return QuietHours(start=start, end=end, mode=mode)  # type: ignore[arg-type]


def by_policy(plan: Plan, policy: str) -> list[Any]:
    return [f for f in plan.policies if f.policy == policy]
