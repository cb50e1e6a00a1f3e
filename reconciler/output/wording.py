"""The words every plan renderer (text, markdown, JSON) shares.

The summary sentence, the notes beside actions, and free text with numbers masked.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any

from reconciler import masking
from reconciler.errors import Diagnostic
from reconciler.masking import NO_SENDERS, Senders
from reconciler.models.cost import money
from reconciler.output.diagnostics import format_diagnostic
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.words import count


def mask_text(text: str, *, show_sensitive: bool, senders: Container[str] = NO_SENDERS) -> str:
    """Free text (a message, a warning) as it may be shown: recipients' numbers masked.

    ``senders``: the sender numbers that may appear in it (``plan_senders``), shown.
    """
    return text if show_sensitive else masking.mask_text(text, senders=senders)


def diagnostic_texts(
    plan: Plan, diagnostics: Iterable[Diagnostic], show_sensitive: bool
) -> list[str]:
    """``format_diagnostic``'s lines of each of ``plan``'s ``diagnostics`` as they may be
    shown: recipients' numbers masked, the plan's senders not."""
    senders = plan_senders(plan)
    return [
        mask_text(format_diagnostic(d), show_sensitive=show_sensitive, senders=senders)
        for d in diagnostics
    ]


def plan_senders(plan: Plan) -> Senders:
    """The sender numbers of a plan's bodies (decoded only if a message holds a number)."""
    return Senders(lambda: (body for a in plan.actions for body in _action_bodies(a)))


def _action_bodies(action: PlannedAction) -> Iterator[Mapping[str, Any] | None]:
    if action.attempt is not None:
        yield action.attempt.body
    if action.recorded is not None:
        yield action.recorded.body  # None when the state read no bodies
    if action.desired is not None and action.desired.has_body:
        yield action.desired.body  # not for a campaign from the cache: it holds no body


def preview_text(action: PlannedAction, *, show_sensitive: bool) -> str | None:
    """The action's message preview as it may be shown (numbers in params masked)."""
    if action.preview is None:
        return None
    senders = Senders(lambda: _action_bodies(action))
    return mask_text(action.preview, show_sensitive=show_sensitive, senders=senders)


def summary_line(plan: Plan) -> str:
    """E.g. ``3 to create (4,210 recipients), 12 unchanged, 1 changed (not applied)``.

    A record that follows a renamed key is counted apart (``1 record to move``): apply
    writes it, sending nothing; its campaign is also counted under its action.
    """
    s = plan.summary
    creates = s[ActionKind.CREATE]
    first = (
        f"{creates:,} to create ({count(plan.recipients_to_create, 'recipient')})"
        if creates
        else "nothing to create"
    )
    parts = [first]
    if plan.moves:
        parts.append(f"{count(len(plan.moves), 'record')} to move (state only)")
    labels = [
        (ActionKind.UNCHANGED, "unchanged"),
        (ActionKind.CHANGED, "changed (not applied)"),
        (ActionKind.GONE, "gone (still live)"),
        (ActionKind.IN_DOUBT, "in doubt"),
        (ActionKind.AWAITING_PROMOTION, "awaiting promotion"),
    ]
    parts.extend(f"{s[kind]:,} {label}" for kind, label in labels if s[kind])
    return ", ".join(parts)


def cost_line(plan: Plan) -> str | None:
    """E.g. ``₹3,300.00 (rate card rates.csv of 2026-07-01)``; None without a rate card."""
    cost = plan.cost
    if cost is None:
        return None
    line = f"{money(cost.total, cost.currency)} (rate card {cost.rate_card_file} of "
    line += f"{cost.rate_card_date})"
    if cost.unpriced:
        line += f", {count(cost.unpriced, 'recipient')} unpriced"
    return line


def action_cost(action: PlannedAction) -> str:
    """A create's estimate as shown beside it (``₹12.34``), "" without one."""
    cost = action.cost
    if cost is None:
        return ""
    shown = money(cost.amount, cost.currency)
    return f"{shown} + {cost.unpriced:,} unpriced" if cost.unpriced else shown


def cost_breakdown(action: PlannedAction) -> str | None:
    """E.g. ``₹3.67, marketing: India 2, North America 1``; None without an estimate."""
    cost = action.cost
    if cost is None:
        return None
    markets = ", ".join(f"{market} {n:,}" for market, n in cost.markets.items())
    unpriced = f", unpriced {cost.unpriced:,}" if cost.unpriced else ""
    return f"{money(cost.amount, cost.currency)}, {cost.category}: {markets or 'none'}{unpriced}"


def last_error(action: PlannedAction, *, show_sensitive: bool) -> str | None:
    """The last failed attempt's error of a create, masked, or None."""
    attempt = action.attempt
    if action.kind is not ActionKind.CREATE or attempt is None:
        return None
    text = attempt.error or (f"HTTP {attempt.http_status}" if attempt.http_status else "failed")
    senders = Senders(lambda: _action_bodies(action))
    return mask_text(text, show_sensitive=show_sensitive, senders=senders)


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
    elif kind in (ActionKind.IN_DOUBT, ActionKind.AWAITING_PROMOTION, ActionKind.CREATE):
        notes.append(action.reason)  # a create's: made without the promotion gate
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
