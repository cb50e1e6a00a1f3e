"""The JSON Schema of ``show PLAN_FILE --format json`` (schemas/show.schema.json).

Kept beside its renderer (``reconciler.output.shown_plan``); the plan inside is the
plan's own schema (``plan_schema``), so the two never drift.
"""

from __future__ import annotations

from typing import Any

from reconciler.output.plan_schema import plan_schema
from reconciler.output.schema_parts import nullable, typed, versioned

_PROPERTIES = {
    "plan_file": typed("string"),
    "environment": typed("string", minLength=1),
    "api_url": typed("string"),
    "created_at": typed("string"),
    "tool_version": typed("string"),
    "git_commit": nullable("string"),
    "lineage": nullable("string", "The state's lineage at plan time."),
    "serial": typed("integer", minimum=0),
    "stale": nullable(
        "boolean",
        "Whether apply would refuse the plan as stale now; null when that cannot be told "
        "(the state cannot be read: stale_unknown says why).",
    ),
    "stale_reason": nullable("string", "Why it is stale."),
    "stale_unknown": nullable("string", "Why staleness cannot be told (e.g. an unset variable)."),
    "plan": {"$ref": "#/$defs/plan"},
}


def show_schema() -> dict[str, Any]:
    """The schema of a shown saved plan, format_version 1."""
    plan = plan_schema()
    definitions = plan.pop("$defs")
    for keyword in ("$schema", "title"):
        plan.pop(keyword)
    document = versioned(
        "reconciler saved plan (reconciler show PLAN_FILE --format json)",
        "Where a saved plan comes from, whether it is stale now, and the plan as "
        "`plan --format json` printed it.",
        [
            *("plan_file", "environment", "api_url", "created_at", "tool_version"),
            *("git_commit", "lineage", "serial", "stale", "stale_reason", "stale_unknown", "plan"),
        ],
        _PROPERTIES,
    )
    return {**document, "$defs": {**definitions, "plan": plan}}
