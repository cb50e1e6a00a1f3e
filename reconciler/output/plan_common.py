"""Pieces every plan renderer shares: the summary sentence, notes, masking of free text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.masking import mask_phone, maybe_mask
from reconciler.plan import ActionKind, Plan, PlannedAction

# A standalone run of 8-15 digits, optionally after "+": what a phone number in an API
# error message looks like. Dates, times and hex digests do not match.
_PHONE_LIKE = re.compile(r"(?<![\w+])\+?\d{8,15}(?!\w)")


def mask_text(text: str, *, show_sensitive: bool) -> str:
    """Free text (an API error message) with anything that looks like a phone number masked."""
    if show_sensitive:
        return text
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def display_body(body: Mapping[str, Any], *, show_sensitive: bool) -> dict[str, Any]:
    """A body as it may be shown: recipients masked unless ``show_sensitive``."""
    return maybe_mask(body, show_sensitive=show_sensitive)


def count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def summary_line(plan: Plan) -> str:
    """E.g. ``3 to create (4,210 recipients), 12 unchanged, 1 changed (not applied)``."""
    s = plan.summary
    creates = s[ActionKind.CREATE]
    first = (
        f"{creates:,} to create ({count(plan.recipients_to_create, 'recipient')})"
        if creates
        else "nothing to create"
    )
    parts = [first]
    labels = [
        (ActionKind.UNCHANGED, "unchanged"),
        (ActionKind.CHANGED, "changed (not applied)"),
        (ActionKind.GONE, "gone (still live)"),
        (ActionKind.IN_DOUBT, "in doubt"),
        (ActionKind.AWAITING_PROMOTION, "awaiting promotion"),
    ]
    parts.extend(f"{s[kind]:,} {label}" for kind, label in labels if s[kind])
    return ", ".join(parts)


def last_error(action: PlannedAction, *, show_sensitive: bool) -> str | None:
    """The last failed attempt's error of a create, masked, or None."""
    attempt = action.attempt
    if action.kind is not ActionKind.CREATE or attempt is None:
        return None
    text = attempt.error or (f"HTTP {attempt.http_status}" if attempt.http_status else "failed")
    return mask_text(text, show_sensitive=show_sensitive)


def note(action: PlannedAction, *, show_sensitive: bool) -> str:
    """A short explanation of the action, shown beside it ("" when none is needed)."""
    notes: list[str] = []
    if action.moved_from:
        notes.append(f"moved from {action.moved_from}")
    kind = action.kind
    if kind is ActionKind.CHANGED:
        notes.append("changed: not applied, ContactSwing cannot update it")
    elif kind is ActionKind.GONE:
        notes.append("no spec: still live in ContactSwing")
    elif kind in (ActionKind.IN_DOUBT, ActionKind.AWAITING_PROMOTION):
        notes.append(action.reason)
    if action.desired is not None and action.desired.ignore_suppression:
        notes.append("ignore_suppression: messages people who opted out")
    error = last_error(action, show_sensitive=show_sensitive)
    if error is not None:
        notes.append(f"last attempt failed: {error}")
    return "; ".join(n for n in notes if n)


def state_line(plan: Plan) -> str:
    """Which state the plan was made against."""
    if not plan.state_exists:
        return "no state yet: planned as empty"
    return f"state lineage {plan.lineage}, serial {plan.serial}"
