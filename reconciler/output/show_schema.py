"""The JSON Schema of ``show PLAN_FILE --format json`` (schemas/show.schema.json).

Kept beside its renderer (``reconciler.output.shown_plan``); the plan inside is the
plan's own schema (``plan_schema``), so the two never drift.
"""

from __future__ import annotations

from typing import Any

from reconciler.output.plan_schema import plan_schema

_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": ["string", "null"]}


def show_schema() -> dict[str, Any]:
    """The schema of a shown saved plan, format_version 1."""
    plan = plan_schema()
    definitions = plan.pop("$defs")
    for keyword in ("$schema", "title"):
        plan.pop(keyword)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "reconciler saved plan (reconciler show PLAN_FILE --format json)",
        "description": (
            "Where a saved plan comes from, whether it is stale now, and the plan as "
            "`plan --format json` printed it. Fields may be added within a format_version; "
            "none is renamed or removed."
        ),
        "type": "object",
        "required": [
            *("format_version", "plan_file", "environment", "api_url", "created_at"),
            *("tool_version", "git_commit", "lineage", "serial"),
            *("stale", "stale_reason", "stale_unknown", "plan"),
        ],
        "additionalProperties": True,
        "properties": {
            "format_version": {"const": 1},
            "plan_file": _TEXT,
            "environment": {"type": "string", "minLength": 1},
            "api_url": _TEXT,
            "created_at": _TEXT,
            "tool_version": _TEXT,
            "git_commit": _NULLABLE_TEXT,
            "lineage": {**_NULLABLE_TEXT, "description": "The state's lineage at plan time."},
            "serial": {"type": "integer", "minimum": 0},
            "stale": {
                "type": ["boolean", "null"],
                "description": (
                    "Whether apply would refuse the plan as stale now; null when that "
                    "cannot be told (the state cannot be read: stale_unknown says why)."
                ),
            },
            "stale_reason": {**_NULLABLE_TEXT, "description": "Why it is stale."},
            "stale_unknown": {
                **_NULLABLE_TEXT,
                "description": "Why staleness cannot be told (e.g. an unset variable).",
            },
            "plan": {"$ref": "#/$defs/plan"},
        },
        "$defs": {**definitions, "plan": plan},
    }
