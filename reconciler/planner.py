"""The planner: desired campaigns + a state snapshot -> a Plan (PRODUCT.md section 5).

Pure: no I/O, no clock (``now`` is an argument), no dependency beyond the value types.
The same inputs give the same plan, whatever order the campaigns come in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fnmatch import fnmatchcase

from reconciler.campaign import START_FIELD, DesiredCampaign
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.promotion import PromotionSource, awaiting_reason, ungated_note
from reconciler.state.base import StateSnapshot

__all__ = ["PromotionSource", "make_plan", "parse_start"]


def make_plan(
    desired: Sequence[DesiredCampaign],
    state: StateSnapshot,
    *,
    environment: str,
    now: datetime,
    promotion: PromotionSource | None = None,
    targets: Sequence[str] = (),
    excludes: Sequence[str] = (),
) -> Plan:
    """Compare the desired campaigns with the state; actions ordered by key.

    ``targets`` (glob patterns) keep only the actions whose key, or the key a record
    moved from, matches one of them; ``excludes`` then drop those that match one of
    theirs. ``promotion`` holds creates back until the source environment has sent
    what the spec now says (``reconciler.promotion``).
    """
    ordered = sorted(desired, key=lambda d: d.key)
    claimed = _claim_previous_keys(ordered, state)
    actions = [_plan_one(d, state, claimed.get(d.key), promotion) for d in ordered]
    actions.extend(_orphans(ordered, state, set(claimed.values())))
    diagnostics = _unmatched(actions, targets, "--target")
    diagnostics += _unmatched(actions, excludes, "--exclude")
    targeted = [a for a in actions if not targets or _matches(a, targets)]
    actions = sorted((a for a in targeted if not _matches(a, excludes)), key=lambda a: a.key)
    if targeted and not actions and not diagnostics:
        diagnostics.append(_nothing_left())
    diagnostics += [d for a in actions for d in _diagnostics_for(a, environment, now, state)]
    return Plan(
        environment=environment,
        actions=tuple(actions),
        lineage=state.lineage,
        serial=state.serial,
        state_exists=state.exists,
        diagnostics=tuple(diagnostics),
    )


def _claim_previous_keys(
    ordered: Sequence[DesiredCampaign], state: StateSnapshot
) -> dict[str, str]:
    """Map a desired key to the old key whose record follows it after a rename.

    Only when the new key itself is not in the state; the first campaign (by key)
    listing an old key claims it, so the result does not depend on input order.
    """
    desired_keys = {d.key for d in ordered}
    claimed: dict[str, str] = {}
    taken: set[str] = set()
    for d in ordered:
        if d.key in state.campaigns or d.key in state.in_doubt:
            continue
        for old in d.previous_keys:
            usable = old in state.campaigns or old in state.in_doubt
            if usable and old not in desired_keys and old not in taken:
                claimed[d.key] = old
                taken.add(old)
                break
    return claimed


def _plan_one(
    d: DesiredCampaign,
    state: StateSnapshot,
    moved_from: str | None,
    promotion: PromotionSource | None,
) -> PlannedAction:
    lookup = moved_from or d.key
    if lookup in state.in_doubt:
        return _in_doubt(d.key, d, state, moved_from)
    recorded = state.campaigns.get(lookup)
    if recorded is not None:
        kind = ActionKind.UNCHANGED if recorded.fingerprint == d.fingerprint else ActionKind.CHANGED
        return PlannedAction(d.key, kind, d, recorded, None, moved_from)
    reason = awaiting_reason(d, promotion)
    if reason:
        return PlannedAction(d.key, ActionKind.AWAITING_PROMOTION, d, reason=reason)
    attempt = state.last_failures.get(d.key)
    return PlannedAction(
        d.key, ActionKind.CREATE, d, attempt=attempt, reason=ungated_note(d, promotion)
    )


def _in_doubt(
    key: str, d: DesiredCampaign | None, state: StateSnapshot, moved_from: str | None = None
) -> PlannedAction:
    """The in-doubt action of ``key`` (recorded under ``moved_from`` after a rename).

    Its reason says who is applying one in flight under a live lock: both plan as in
    doubt (nothing is sent for them), but only a person may resolve one whose outcome
    is unknown: the other is recorded when its request returns.
    """
    lookup = moved_from or key
    doubt = state.in_doubt[lookup]
    if state.in_flight(lookup) and state.writer is not None:
        reason = (
            f"being applied by {state.writer.running()}: attempt {doubt.id} is in flight "
            "and counts as in doubt until its outcome is recorded"
        )
    else:
        reason = (
            f"attempt {doubt.id} has an unknown outcome; resolve it with "
            "`state import` or `state forget`"
        )
    recorded = state.campaigns.get(lookup)
    return PlannedAction(key, ActionKind.IN_DOUBT, d, recorded, doubt, moved_from, reason)


def _orphans(
    ordered: Sequence[DesiredCampaign], state: StateSnapshot, moved: set[str]
) -> list[PlannedAction]:
    """Recorded or in-doubt keys with no spec (and not followed by a renamed spec)."""
    wanted = {d.key for d in ordered} | moved
    return [
        _in_doubt(key, None, state)
        if key in state.in_doubt
        else PlannedAction(key, ActionKind.GONE, None, state.campaigns[key])
        for key in sorted((set(state.campaigns) | set(state.in_doubt)) - wanted)
    ]


def _matches(action: PlannedAction, patterns: Sequence[str]) -> bool:
    keys = [action.key] + ([action.moved_from] if action.moved_from else [])
    return any(fnmatchcase(k, pattern) for k in keys for pattern in patterns)


def _unmatched(
    actions: Sequence[PlannedAction], patterns: Sequence[str], option: str
) -> list[Diagnostic]:
    """A --target (or --exclude) that matches nothing is a typo until proven otherwise.

    A mistyped --exclude would send what it meant to hold back: an error too.
    """
    return [
        Diagnostic(
            SourceLocation("command line"),
            f"{pattern!r} matches no campaign",
            field=option,
            hint="patterns match keys (globs allowed); `reconciler render --env E` lists the keys",
        )
        for pattern in patterns
        if not any(_matches(a, [pattern]) for a in actions)
    ]


def _nothing_left() -> Diagnostic:
    """Excluding every campaign selected is a mistake, as a target matching nothing is."""
    return Diagnostic(
        SourceLocation("command line"),
        "--exclude leaves no campaign to plan",
        field="--exclude",
        hint="exclude fewer keys, or narrow with --target instead",
    )


# The warning a changed or gone campaign brings: what it says, what to do.
_WARNINGS = {
    ActionKind.CHANGED: (
        "changed since it was created; ContactSwing cannot update a created campaign, "
        "so this change will not be applied",
        "to send a new campaign, give the spec a new key",
    ),
    ActionKind.GONE: (
        "no spec any more; the campaign is still live in ContactSwing",
        "nothing will be deleted; `state forget` drops the record",
    ),
}


def _diagnostics_for(
    action: PlannedAction, environment: str, now: datetime, state: StateSnapshot
) -> list[Diagnostic]:
    """The warnings one action brings (changed, gone, in doubt, past start)."""
    kind = action.kind
    if kind is ActionKind.CREATE and action.desired is not None:
        return _past_start(action, action.desired, now)
    if kind is ActionKind.IN_DOUBT:
        flying = state.in_flight(action.moved_from or action.key)
        message, hint = ("" if flying else "in doubt: ") + action.reason, ""
    elif kind in _WARNINGS:
        message, hint = _WARNINGS[kind]
    else:
        return []
    where = action.desired.location if action.desired else SourceLocation(f"state of {environment}")
    return [Diagnostic(where, f"{action.key}: {message}", hint=hint, severity=Severity.WARNING)]


def _past_start(action: PlannedAction, d: DesiredCampaign, now: datetime) -> list[Diagnostic]:
    start = parse_start(d.start_at)
    if start is None or now.tzinfo is None or start >= now:
        return []
    message = f"{action.key}: start_at {d.start_at} is in the past"
    hint = "ContactSwing may start it at once; check the date"
    return [Diagnostic(d.location_of(START_FIELD), message, START_FIELD, hint, Severity.WARNING)]


def parse_start(value: str) -> datetime | None:
    """An ISO 8601 start with an offset, or None when it has none or does not parse."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
