"""What a reviewer sees of each create beyond its line (PRODUCT section 10): pure.

With a catalogue, its message preview; with a rate card, its estimate and the plan's
total; with either, the warning for marketing messages to +1 US numbers, which Meta does
not deliver. A recipient in no market of the card is an error: the estimate would be
short of it. Each create's body is decoded once for all of these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reconciler.errors import Diagnostic, Severity
from reconciler.models.catalog import Catalog
from reconciler.models.cost import (
    DEFAULT_CATEGORY,
    CampaignCost,
    estimate_numbers,
    no_marketing_recipients,
    recipient_numbers,
    template_category,
    total_cost,
)
from reconciler.models.preview import message_preview
from reconciler.models.rate_card import RateCard
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.words import count


def with_review(plan: Plan, catalog: Catalog | None, card: RateCard | None) -> Plan:
    """The plan with each create's preview and estimate, the total, and their findings.

    Creates must hold their bodies (``commands.plan.with_desired_bodies``); one without
    is left as it is. Without a catalogue and a rate card the plan is returned unchanged.
    """
    if catalog is None and card is None:
        return plan
    actions: list[PlannedAction] = []
    found: list[Diagnostic] = []
    costs: list[CampaignCost] = []
    for action in plan.actions:
        desired = action.desired
        if action.kind is not ActionKind.CREATE or desired is None or not desired.has_body:
            actions.append(action)
            continue
        body = desired.body
        numbers, category = recipient_numbers(body), template_category(body, catalog)
        preview = message_preview(body, catalog) if catalog is not None else None
        cost = estimate_numbers(numbers, category, card) if card is not None else None
        actions.append(dataclasses.replace(action, preview=preview, cost=cost))
        found += _findings(action, numbers, category, cost, card)
        costs += [cost] if cost is not None else []
    total = total_cost(costs, card) if card is not None else None
    diagnostics = (*plan.diagnostics, *found)
    return dataclasses.replace(plan, actions=tuple(actions), diagnostics=diagnostics, cost=total)


def _findings(
    action: PlannedAction,
    numbers: Sequence[str],
    category: str,
    cost: CampaignCost | None,
    card: RateCard | None,
) -> list[Diagnostic]:
    assert action.desired is not None
    where, field_path = action.desired.recipients_field()
    found = []
    us = no_marketing_recipients(numbers) if category == DEFAULT_CATEGORY else 0
    if us:
        message = (
            f"{action.key}: {count(us, 'recipient')} in the United States (+1) would get a "
            "marketing template, which Meta does not deliver to US numbers"
        )
        hint = "leave US numbers out of marketing campaigns, or use a utility template"
        found.append(Diagnostic(where, message, field_path, hint, Severity.WARNING))
    if cost is not None and cost.unpriced and card is not None:
        message = (
            f"{action.key}: {count(cost.unpriced, 'recipient')} with a calling code in no "
            f"market of {card.file}: the estimate leaves them out"
        )
        hint = "add their market to the rate card, or a market whose calling_codes is *"
        found.append(Diagnostic(where, message, field_path, hint))
    return found
