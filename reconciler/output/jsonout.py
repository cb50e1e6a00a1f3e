"""The plan as versioned JSON for tools and scripts (schema: schemas/plan.schema.json).

The names of actions and of these fields are a public interface: add fields, never
rename or remove one without raising ``format_version``.
"""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.masking import mask_phone
from reconciler.models.cost import exact
from reconciler.output.wording import last_error, mask_text, plan_senders, preview_text
from reconciler.plan import FORMAT_VERSION, Plan, PlannedAction
from reconciler.policies.findings import Finding


def plan_to_json(plan: Plan, *, show_sensitive: bool = False) -> dict[str, Any]:
    senders = plan_senders(plan)
    return {
        "format_version": FORMAT_VERSION,
        "environment": plan.environment,
        "state_exists": plan.state_exists,
        "lineage": plan.lineage,
        "serial": plan.serial,
        "summary": {**plan.summary, "moved": len(plan.moves)},
        "recipients_to_create": plan.recipients_to_create,
        "actions": [_action(a, show_sensitive) for a in plan.actions],
        "warnings": [_diagnostic(d, show_sensitive, senders) for d in plan.warnings],
        "errors": [_diagnostic(d, show_sensitive, senders) for d in plan.diagnostics if d.is_error],
        "policies": [_finding(f, show_sensitive) for f in plan.policies],
        **_plan_cost(plan),
    }


def _plan_cost(plan: Plan) -> dict[str, Any]:
    """The top-level ``cost``, with a rate card only; amounts as exact decimal strings."""
    cost = plan.cost
    if cost is None:
        return {}
    shown = {"currency": cost.currency, "total": exact(cost.total)}
    card = {"rate_card_date": cost.rate_card_date, "rate_card": cost.rate_card_file}
    return {"cost": {**shown, **card, "unpriced_recipients": cost.unpriced}}


def render_json(plan: Plan, *, show_sensitive: bool = False) -> str:
    """``plan_to_json`` as indented text ending with a newline."""
    data = plan_to_json(plan, show_sensitive=show_sensitive)
    return dumps_indented(data) + "\n"


def dumps_indented(value: Any) -> str:
    """Exactly ``json.dumps(value, indent=2, ensure_ascii=False)``, several times faster.

    ``indent`` makes ``json`` fall back to its pure-Python encoder (0.3 s for 10,000
    actions); here each flat object or array goes through the C encoder in one call,
    its separators carrying the newline and indentation.
    """
    return _indented(value, 0)


_CONTAINERS = (dict, list, tuple)


def _key(key: Any) -> str:
    """A key as ``json`` writes it (non-string keys converted, or TypeError, as there)."""
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=False)
    return json.dumps({key: 0}, ensure_ascii=False)[1:-4]


def _indented(value: Any, level: int) -> str:
    if not isinstance(value, _CONTAINERS) or not value:
        return json.dumps(value, ensure_ascii=False)
    inner = "\n" + "  " * (level + 1)
    outer = "\n" + "  " * level
    items = value.values() if isinstance(value, dict) else value
    if not any(isinstance(v, _CONTAINERS) for v in items):
        flat = json.dumps(value, ensure_ascii=False, separators=("," + inner, ": "))
        return flat[0] + inner + flat[1:-1] + outer + flat[-1]
    if isinstance(value, dict):
        return "{" + inner + ("," + inner).join(_dict_parts(value, level, inner)) + outer + "}"
    parts = [_indented(v, level + 1) for v in value]
    return "[" + inner + ("," + inner).join(parts) + outer + "]"


def _dict_parts(value: dict[Any, Any], level: int, inner: str) -> list[str]:
    """A dict's items as written, each run of flat values in one C call (an action with
    a nested ``cost`` stays as fast as a flat one)."""
    parts: list[str] = []
    run: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(item, _CONTAINERS):
            if run:
                parts.append(
                    json.dumps(run, ensure_ascii=False, separators=("," + inner, ": "))[1:-1]
                )
                run = {}
            parts.append(f"{_key(key)}: {_indented(item, level + 1)}")
        else:
            run[key] = item
    if run:
        parts.append(json.dumps(run, ensure_ascii=False, separators=("," + inner, ": "))[1:-1])
    return parts


def _action(action: PlannedAction, show_sensitive: bool) -> dict[str, Any]:
    d, r = action.desired, action.recorded
    preview = preview_text(action, show_sensitive=show_sensitive)
    shown: dict[str, Any] = {"preview": preview} if preview is not None else {}  # a catalogue
    if action.cost is not None:  # only with a rate card
        cost = action.cost
        shown["cost"] = {
            **{"currency": cost.currency, "amount": exact(cost.amount)},
            **{"category": cost.category, "unpriced_recipients": cost.unpriced},
        }
    return {
        "key": action.key,
        "action": action.kind.value,
        "mark": action.kind.mark,
        "name": action.name,
        "recipients": action.recipients if d is not None else None,
        "start_at": d.start_at if d is not None else None,
        "fingerprint": d.fingerprint if d is not None else (r.fingerprint if r else None),
        "source_fingerprint": d.source_fingerprint if d is not None else None,
        "recorded_fingerprint": r.fingerprint if r is not None else None,
        "campaign_id": r.campaign_id if r is not None else None,
        "moved_from": action.moved_from,
        "ignore_suppression": d.ignore_suppression if d is not None else False,
        "reason": action.reason or None,
        "last_error": last_error(action, show_sensitive=show_sensitive),
        "attempt_id": action.attempt.id if action.attempt is not None else None,
        "file": d.location.file if d is not None else None,
        "line": d.location.line if d is not None else None,
        **shown,
    }


def _finding(f: Finding, show_sensitive: bool) -> dict[str, Any]:
    examples = list(f.examples) if show_sensitive else [mask_phone(n) for n in f.examples]
    return {
        "policy": f.policy,
        "severity": f.severity.value,
        "keys": list(f.keys),
        "count": f.count,
        "examples": examples,
        "message": mask_text(f.message, show_sensitive=show_sensitive),
        "hint": f.hint or None,
    }


def _diagnostic(d: Diagnostic, show_sensitive: bool, senders: Container[str]) -> dict[str, Any]:
    return {
        "file": d.location.file,
        "line": d.location.line,
        "field": d.field or None,
        "message": mask_text(d.message, show_sensitive=show_sensitive, senders=senders),
        "hint": d.hint or None,
        "severity": d.severity.value,
    }
