"""All four policies over a plan: pure, given the lists read and the recorded bodies.

Only a plan with campaigns to create is checked, and only then are the recorded bodies
asked for (``PolicyInputs.recorded``): a plan that creates nothing pays nothing.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reconciler.campaign import START_FIELD
from reconciler.errors import SourceLocation
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.policies import frequency, messaging, quiet_hours, suppression
from reconciler.policies.audience import Audience, audience_of
from reconciler.policies.findings import Finding
from reconciler.policies.resolved import PolicySettings
from reconciler.policies.suppression import SuppressionList

# (key, body) of each campaign the state records as created or in doubt.
RecordedBodies = Callable[[], Iterable[tuple[str, Mapping[str, Any]]]]


@dataclass(frozen=True)
class PolicyInputs:
    """What the policies read besides the plan: their settings, the opt-out lists already
    read, and the recorded bodies (called only when a policy needs them)."""

    settings: PolicySettings
    lists: Sequence[SuppressionList] = ()
    recorded: RecordedBodies = field(default=lambda: ())


def with_policies(plan: Plan, inputs: PolicyInputs) -> Plan:
    """The plan with the policies' findings (and, with ``drop``, the reduced bodies)."""
    settings = inputs.settings
    creates = [a for a in plan.creates if a.desired is not None and a.desired.has_body]
    if not creates or not settings.any:
        return plan
    findings: list[Finding] = []
    if settings.suppression:
        creates, found = suppression.check(creates, inputs.lists, settings.suppression_mode)
        findings += found
    if settings.needs_recorded or settings.quiet_hours is not None:
        findings += _audience_findings(creates, inputs, settings)
    return _merged(plan, creates, findings)


def _audience_findings(
    creates: Sequence[PlannedAction], inputs: PolicyInputs, settings: PolicySettings
) -> list[Finding]:
    """The frequency cap's, the messaging limit's, then the quiet hours' findings: each
    body to create is decoded once for all three."""
    planned: list[Audience] = []
    locations: dict[str, SourceLocation] = {}  # the start_at line: when it sends is weighed
    quiet: list[Finding] = []
    for action in creates:
        assert action.desired is not None
        body = action.desired.body
        audience = audience_of(action.key, body)
        planned.append(audience)
        where = locations[action.key] = action.desired.location_of(START_FIELD)
        if settings.quiet_hours is not None:
            quiet += quiet_hours.check(audience, body, settings.quiet_hours, where)
    return [*_counted(planned, locations, inputs, settings), *quiet]


def _counted(
    planned: Sequence[Audience],
    locations: dict[str, SourceLocation],
    inputs: PolicyInputs,
    settings: PolicySettings,
) -> list[Finding]:
    """The frequency cap's and the messaging limit's findings (they count recorded ones)."""
    if not settings.needs_recorded:
        return []
    near_day, near_cap = _recorded(planned, inputs.recorded(), settings)
    found: list[Finding] = []
    cap = settings.frequency_cap
    if cap is not None:
        by_number = frequency.entries(planned, near_cap)
        found += frequency.check(by_number, cap, locations)
    limit = settings.messaging_limit
    if limit is not None:
        mode = settings.messaging_limit_mode
        found += messaging.check([*planned, *near_day], limit, mode, locations)
    return found


def _recorded(
    planned: Sequence[Audience],
    bodies: Iterable[tuple[str, Mapping[str, Any]]],
    settings: PolicySettings,
) -> tuple[list[Audience], list[Audience]]:
    """The recorded campaigns near enough to a planned one to share a 24-hour window
    (all their numbers), and a frequency window (only numbers of planned campaigns)."""
    starts = sorted(a.start for a in planned)
    cap = settings.frequency_cap
    span = timedelta(days=cap.days) if cap is not None else None
    wanted = {n for a in planned for n in a.numbers}
    near_day, near_cap = [], []
    for key, body in bodies:
        a = audience_of(key, body, created=True)
        if settings.messaging_limit is not None and _near(a.start, starts, messaging.DAY):
            near_day.append(a)
        if span is not None and _near(a.start, starts, span):
            kept = tuple(n for n in a.numbers if n in wanted)
            near_cap.append(dataclasses.replace(a, numbers=kept))
    return near_day, near_cap


def _near(start: datetime, starts: Sequence[datetime], span: timedelta) -> bool:
    """Whether a planned campaign (``starts``, sorted) starts less than ``span`` from it."""
    at = bisect.bisect_left(starts, start)
    after = at < len(starts) and starts[at] - start < span
    return after or (at > 0 and start - starts[at - 1] < span)


def _merged(plan: Plan, creates: Sequence[PlannedAction], findings: list[Finding]) -> Plan:
    """``plan`` with the (maybe reduced) creates and the findings, as diagnostics too."""
    by_key = {a.key: a for a in creates}
    actions = tuple(
        by_key.get(a.key, a) if a.kind is ActionKind.CREATE else a for a in plan.actions
    )
    diagnostics = (*plan.diagnostics, *(f.diagnostic() for f in findings))
    return dataclasses.replace(
        plan, actions=actions, diagnostics=diagnostics, policies=(*plan.policies, *findings)
    )
