"""The JSON Schema of ``plan --format json`` (written to schemas/plan.schema.json).

Kept beside its renderer (``reconciler.output.jsonout``) and registered in
``reconciler.schemas.SCHEMAS`` so that ``reconciler schema --check`` keeps the file current.
"""

from __future__ import annotations

from typing import Any

from reconciler.plan import ActionKind

# The JSON names scripts rely on (PRODUCT.md section 5), in the planner's own order.
ACTIONS = tuple(kind.value for kind in ActionKind)


def plan_schema() -> dict[str, Any]:
    """The schema of the JSON plan, format_version 1."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "reconciler plan (reconciler plan --format json)",
        "description": (
            "A plan of one environment. Fields may be added within a format_version; "
            "none is renamed or removed."
        ),
        "type": "object",
        "required": [
            "format_version",
            "environment",
            "state_exists",
            "lineage",
            "serial",
            "summary",
            "recipients_to_create",
            "actions",
            "warnings",
            "errors",
        ],
        "additionalProperties": True,
        "properties": {
            "format_version": {"const": 1},
            "environment": {"type": "string", "minLength": 1},
            "state_exists": {
                "type": "boolean",
                "description": "False when no state has been written yet "
                "(the plan is then made against an empty "
                "state).",
            },
            "lineage": {
                "type": ["string", "null"],
                "description": "The state's lineage id at plan time.",
            },
            "serial": {
                "type": "integer",
                "minimum": 0,
                "description": "The state's serial at plan time.",
            },
            "summary": {
                "type": "object",
                "description": "How many campaigns take each action.",
                "required": list(ACTIONS),
                "additionalProperties": False,
                "properties": {name: {"type": "integer", "minimum": 0} for name in ACTIONS},
            },
            "recipients_to_create": {"type": "integer", "minimum": 0},
            "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
            "warnings": {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}},
            "errors": {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}},
        },
        "$defs": {
            "action": {
                "type": "object",
                "required": ["key", "action", "name"],
                "additionalProperties": True,
                "properties": {
                    "key": {"type": "string", "minLength": 1},
                    "action": {"enum": list(ACTIONS)},
                    "mark": {"enum": ["+", " ", "~", "-", "?", ">"]},
                    "name": {"type": "string"},
                    "recipients": {
                        "type": ["integer", "null"],
                        "minimum": 0,
                        "description": "Null when there is no spec (gone).",
                    },
                    "start_at": {"type": ["string", "null"]},
                    "fingerprint": {
                        "type": ["string", "null"],
                        "description": "SHA-256 of the spec's "
                        "canonical body; the "
                        "recorded one for gone.",
                    },
                    "source_fingerprint": {"type": ["string", "null"]},
                    "recorded_fingerprint": {"type": ["string", "null"]},
                    "campaign_id": {"type": ["string", "null"]},
                    "moved_from": {
                        "type": ["string", "null"],
                        "description": "The old key whose record "
                        "this campaign follows "
                        "(previous_keys).",
                    },
                    "ignore_suppression": {
                        "type": "boolean",
                        "description": "The spec would message people who opted out.",
                    },
                    "reason": {
                        "type": ["string", "null"],
                        "description": "Why a campaign is in doubt, awaits promotion, or is "
                        "created without waiting for promotion.",
                    },
                    "last_error": {
                        "type": ["string", "null"],
                        "description": "For a create: the error of the last failed attempt.",
                    },
                    "attempt_id": {"type": ["integer", "null"]},
                    "file": {"type": ["string", "null"]},
                    "line": {"type": ["integer", "null"]},
                },
            },
            "diagnostic": {
                "type": "object",
                "required": ["file", "message", "severity"],
                "additionalProperties": True,
                "properties": {
                    "file": {"type": "string"},
                    "line": {"type": ["integer", "null"]},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "hint": {"type": ["string", "null"]},
                    "severity": {"enum": ["error", "warning"]},
                },
            },
        },
    }
