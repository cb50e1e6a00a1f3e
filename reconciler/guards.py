"""Guards against the costly mistakes (PRODUCT.md section 6), as pure checks over a Plan.

``plan`` reports them and fails on errors; the executor calls the same ``check_guards``
before it sends anything, so a guard cannot be passed by skipping the plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from reconciler.campaign import SUPPRESSION_FIELD
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.models.cost import money
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.policies.findings import is_note
from reconciler.settings import EnvironmentSettings
from reconciler.words import count


@dataclass(frozen=True)
class GuardSettings:
    """The environment settings the guards read; ``None`` means no cap."""

    max_creates: int | None = None
    max_recipients: int | None = None
    allow_ignore_suppression: bool = False
    max_cost: Decimal | None = None  # in the rate card's currency

    @classmethod
    def from_environment(
        cls, env: EnvironmentSettings, *, max_creates: int | None = None
    ) -> GuardSettings:
        """An environment's caps; ``max_creates`` (``--max-creates``) overrides its own."""
        return cls(
            max_creates=env.max_creates if max_creates is None else max_creates,
            max_recipients=env.max_recipients,
            allow_ignore_suppression=env.allow_ignore_suppression,
            max_cost=None if env.max_cost is None else Decimal(str(env.max_cost)),
        )


def check_guards(plan: Plan, settings: GuardSettings) -> list[Diagnostic]:
    """Every guard's finding for this plan: errors refuse it, warnings only flag."""
    found = _max_creates(plan, settings) + _max_cost(plan, settings)
    for action in plan.creates:
        found.extend(_max_recipients(action, settings))
    for action in plan.actions:
        found.extend(_suppression(action, plan.environment, settings))
    return found


def with_guards(plan: Plan, settings: GuardSettings) -> Plan:
    """The plan with the guards' findings added to its diagnostics."""
    return dataclasses.replace(plan, diagnostics=(*plan.diagnostics, *check_guards(plan, settings)))


def _location(plan: Plan) -> SourceLocation:
    return SourceLocation(file=f"environment {plan.environment}")


def _max_creates(plan: Plan, settings: GuardSettings) -> list[Diagnostic]:
    creates = len(plan.creates)
    cap = settings.max_creates
    if cap is None or creates <= cap:
        return []
    message = f"{count(creates, 'campaign')} to create, more than max_creates ({cap}) allows"
    hint = "create fewer at once (--target), or raise max_creates / pass --max-creates N"
    return [Diagnostic(_location(plan), message, "max_creates", hint)]


def _max_recipients(action: PlannedAction, settings: GuardSettings) -> list[Diagnostic]:
    cap = settings.max_recipients
    if cap is None or action.desired is None or action.recipients <= cap:
        return []
    message = (
        f"{action.key}: {count(action.recipients, 'recipient')}, "
        f"more than max_recipients ({cap:,}) allows"
    )
    hint = "split the audience into several campaigns, or raise the environment's max_recipients"
    where, field_path = action.desired.recipients_field()
    return [Diagnostic(where, message, field_path, hint)]


def _max_cost(plan: Plan, settings: GuardSettings) -> list[Diagnostic]:
    cap, cost = settings.max_cost, plan.cost
    if cap is None or cost is None or cost.total <= cap:
        return []
    message = (
        f"the creates are estimated at {money(cost.total, cost.currency)}, "
        f"more than max_cost ({money(cap, cost.currency)}) allows"
    )
    hint = "create fewer at once (--target), or raise the environment's max_cost"
    return [Diagnostic(_location(plan), message, "max_cost", hint)]


def _suppression(
    action: PlannedAction, environment: str, settings: GuardSettings
) -> list[Diagnostic]:
    """Flag ``ignore_suppression: true`` in every plan; refuse it to send unless allowed.

    Only a campaign that would be sent (a create) is refused; one already created is
    flagged as a warning so reviewers still see it.
    """
    desired = action.desired
    if desired is None or not desired.ignore_suppression:
        return []
    message = f"{action.key}: ignore_suppression is true: it would message people who opted out"
    refuse = action.kind is ActionKind.CREATE and not settings.allow_ignore_suppression
    where = desired.location_of(SUPPRESSION_FIELD)
    if refuse:
        hint = f"remove it, or set allow_ignore_suppression: true for environment {environment}"
        return [Diagnostic(where, message, SUPPRESSION_FIELD, hint, Severity.ERROR)]
    return [Diagnostic(where, message, SUPPRESSION_FIELD, severity=Severity.WARNING)]


def apply_strict(plan: Plan) -> Plan:
    """``--strict``: the planner's warnings (changed, gone, in doubt, past start) become errors.

    The suppression flag stays a warning: the environment allowed it explicitly; so do
    the policies' notes (recipients dropped, numbers of no known zone).
    """
    upgraded = tuple(
        dataclasses.replace(d, severity=Severity.ERROR)
        if not d.is_error and d.field != SUPPRESSION_FIELD and not is_note(d.field)
        else d
        for d in plan.diagnostics
    )
    findings = tuple(
        f if f.note else dataclasses.replace(f, severity=Severity.ERROR) for f in plan.policies
    )
    return dataclasses.replace(plan, diagnostics=upgraded, policies=findings)
