"""The plan as versioned JSON for tools and scripts (schema: schemas/plan.schema.json).

The names of actions and of these fields are a public interface: add fields, never
rename or remove one without raising ``format_version``.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.output.plan_common import last_error, mask_text
from reconciler.plan import FORMAT_VERSION, Plan, PlannedAction


def plan_to_json(plan: Plan, *, show_sensitive: bool = False) -> dict[str, Any]:
    """The plan as a JSON-compatible dict."""
    return {
        "format_version": FORMAT_VERSION,
        "environment": plan.environment,
        "state_exists": plan.state_exists,
        "lineage": plan.lineage,
        "serial": plan.serial,
        "summary": plan.summary,
        "recipients_to_create": plan.recipients_to_create,
        "actions": [_action(a, show_sensitive) for a in plan.actions],
        "warnings": [_diagnostic(d, show_sensitive) for d in plan.diagnostics if not d.is_error],
        "errors": [_diagnostic(d, show_sensitive) for d in plan.diagnostics if d.is_error],
    }


def render_json(plan: Plan, *, show_sensitive: bool = False) -> str:
    """``plan_to_json`` as indented text ending with a newline."""
    data = plan_to_json(plan, show_sensitive=show_sensitive)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _action(action: PlannedAction, show_sensitive: bool) -> dict[str, Any]:
    d, r = action.desired, action.recorded
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
    }


def _diagnostic(d: Diagnostic, show_sensitive: bool) -> dict[str, Any]:
    return {
        "file": d.location.file,
        "line": d.location.line,
        "field": d.field or None,
        "message": mask_text(d.message, show_sensitive=show_sensitive),
        "hint": d.hint or None,
        "severity": d.severity.value,
    }
