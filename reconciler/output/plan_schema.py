"""The JSON Schema of ``plan --format json`` (written to schemas/plan.schema.json).

Kept beside its renderer (``reconciler.output.jsonout``) and registered in
``reconciler.schemas.SCHEMAS`` so that ``reconciler schema --check`` keeps the file current.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.models.rate_card import CATEGORIES
from reconciler.plan import ActionKind

# The JSON names scripts rely on (PRODUCT.md section 5), in the planner's own order.
ACTIONS = tuple(kind.value for kind in ActionKind)


def _typed(kind: str | list[str], description: str = "", **keywords: Any) -> dict[str, Any]:
    """A property of JSON type ``kind``, described when ``description`` says something."""
    return {"type": kind, **keywords, **({"description": description} if description else {})}


def _nullable(kind: str, description: str = "", **keywords: Any) -> dict[str, Any]:
    return _typed([kind, "null"], description, **keywords)


_COUNT = _typed("integer", minimum=0)
_CURRENCY = _typed("string", "ISO 4217, the rate card's.", pattern="^[A-Z]{3}$")
_AMOUNT = _typed("string", "An exact decimal, unrounded.", pattern=r"^[0-9]+(\.[0-9]+)?$")
_DIAGNOSTICS = {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}}

_ACTION = {
    "type": "object",
    "required": ["key", "action", "name"],
    "additionalProperties": True,
    "properties": {
        "key": _typed("string", minLength=1),
        "action": {"enum": list(ACTIONS)},
        "mark": {"enum": ["+", " ", "~", "-", "?", ">"]},
        "name": _typed("string"),
        "recipients": _nullable("integer", "Null when there is no spec (gone).", minimum=0),
        "start_at": _nullable("string"),
        "fingerprint": _nullable(
            "string", "SHA-256 of the spec's canonical body; the recorded one for gone."
        ),
        "source_fingerprint": _nullable("string"),
        "recorded_fingerprint": _nullable("string"),
        "campaign_id": _nullable("string"),
        "moved_from": _nullable(
            "string", "The old key whose record this campaign follows (previous_keys)."
        ),
        "ignore_suppression": _typed("boolean", "The spec would message people who opted out."),
        "reason": _nullable(
            "string",
            "Why a campaign is in doubt, awaits promotion, or is created without waiting for "
            "promotion.",
        ),
        "last_error": _nullable("string", "For a create: the error of the last failed attempt."),
        "attempt_id": _nullable("integer"),
        "file": _nullable("string"),
        "line": _nullable("integer"),
        "preview": _typed("string", "For a create, with a catalogue: the message as sent."),
        "cost": {
            "type": "object",
            "description": "For a create, with a rate card: its estimate.",
            "required": ["currency", "amount"],
            "properties": {
                "currency": _CURRENCY,
                "amount": _AMOUNT,
                "category": {"enum": list(CATEGORIES)},
                "unpriced_recipients": _typed(
                    "integer", "Recipients in no market of the card: not in amount.", minimum=0
                ),
            },
        },
    },
}

_DIAGNOSTIC = {
    "type": "object",
    "required": ["file", "message", "severity"],
    "additionalProperties": True,
    "properties": {
        "file": _typed("string"),
        "line": _nullable("integer"),
        "field": _nullable("string"),
        "message": _typed("string"),
        "hint": _nullable("string"),
        "severity": {"enum": ["error", "warning"]},
    },
}

_POLICY_FINDING = {
    "type": "object",
    "required": ["policy", "severity", "keys", "count", "examples"],
    "additionalProperties": True,
    "properties": {
        "policy": {"enum": ["suppression", "frequency_cap", "messaging_limit", "quiet_hours"]},
        "severity": {"enum": ["error", "warning"]},
        "keys": _typed(
            "array", "The campaigns concerned, one to create first.", items=_typed("string")
        ),
        "count": _typed(
            "integer", "Recipients concerned (messaging_limit: unique ones).", minimum=0
        ),
        "examples": _typed(
            "array",
            "A few of their numbers, masked unless --show-sensitive.",
            items=_typed("string"),
        ),
        "message": _typed("string"),
        "hint": _nullable("string"),
    },
}

PLAN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler plan (reconciler plan --format json)",
    "description": (
        "A plan of one environment. Fields may be added within a format_version; "
        "none is renamed or removed."
    ),
    "type": "object",
    "required": [
        *("format_version", "environment", "state_exists", "lineage", "serial"),
        *("summary", "recipients_to_create", "actions", "warnings", "errors"),
    ],
    "additionalProperties": True,
    "properties": {
        "format_version": {"const": 1},
        "environment": _typed("string", minLength=1),
        "state_exists": _typed(
            "boolean",
            "False when no state has been written yet (the plan is then made against an "
            "empty state).",
        ),
        "lineage": _nullable("string", "The state's lineage id at plan time."),
        "serial": _typed("integer", "The state's serial at plan time.", minimum=0),
        "summary": _typed(
            "object",
            "How many campaigns take each action, and how many records apply would move.",
            required=list(ACTIONS),
            additionalProperties=False,
            properties={
                **{name: _COUNT for name in ACTIONS},
                "moved": _typed(
                    "integer",
                    "Records apply would move to a renamed key (previous_keys), sending "
                    "nothing; each campaign is also counted under its action.",
                    minimum=0,
                ),
            },
        ),
        "recipients_to_create": _COUNT,
        "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
        "warnings": _DIAGNOSTICS,
        "errors": _DIAGNOSTICS,
        "policies": _typed(
            "array",
            "The audience policies' findings (docs/policies.md); each is also a warning or error.",
            items={"$ref": "#/$defs/policy_finding"},
        ),
        "cost": {
            "type": "object",
            "description": "With a rate card: the estimate of every create, and the card's date.",
            "required": ["currency", "total", "rate_card_date"],
            "properties": {
                "currency": _CURRENCY,
                "total": _AMOUNT,
                "rate_card_date": _typed("string", "The card's effective date.", format="date"),
                "rate_card": _typed("string", "The card's file, project-relative."),
                "unpriced_recipients": _COUNT,
            },
        },
    },
    "$defs": {"action": _ACTION, "diagnostic": _DIAGNOSTIC, "policy_finding": _POLICY_FINDING},
}


def plan_schema() -> dict[str, Any]:
    """The schema of the JSON plan, format_version 1 (a copy: callers may change it)."""
    return copy.deepcopy(PLAN_SCHEMA)
