"""The JSON Schema of ``plan --format json`` (written to schemas/plan.schema.json).

Kept beside its renderer (``reconciler.output.jsonout``) and registered in
``reconciler.schemas.SCHEMAS`` so that ``reconciler schema --check`` keeps the file current.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.models.rate_card import CATEGORIES
from reconciler.output.schema_parts import nullable, typed, versioned
from reconciler.plan import ActionKind

# The JSON names scripts rely on (PRODUCT.md section 5), in the planner's own order.
ACTIONS = tuple(kind.value for kind in ActionKind)


_COUNT = typed("integer", minimum=0)
_CURRENCY = typed("string", "ISO 4217, the rate card's.", pattern="^[A-Z]{3}$")
_AMOUNT = typed("string", "An exact decimal, unrounded.", pattern=r"^[0-9]+(\.[0-9]+)?$")
_DIAGNOSTICS = {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}}

_ACTION = {
    "type": "object",
    "required": ["key", "action", "name"],
    "additionalProperties": True,
    "properties": {
        "key": typed("string", minLength=1),
        "action": {"enum": list(ACTIONS)},
        "mark": {"enum": ["+", " ", "~", "-", "?", ">"]},
        "name": typed("string"),
        "recipients": nullable("integer", "Null when there is no spec (gone).", minimum=0),
        "start_at": nullable("string"),
        "fingerprint": nullable(
            "string", "SHA-256 of the spec's canonical body; the recorded one for gone."
        ),
        "source_fingerprint": nullable("string"),
        "recorded_fingerprint": nullable("string"),
        "campaign_id": nullable("string"),
        "moved_from": nullable(
            "string", "The old key whose record this campaign follows (previous_keys)."
        ),
        "ignore_suppression": typed("boolean", "The spec would message people who opted out."),
        "reason": nullable(
            "string",
            "Why a campaign is in doubt, awaits promotion, or is created without waiting for "
            "promotion.",
        ),
        "last_error": nullable("string", "For a create: the error of the last failed attempt."),
        "attempt_id": nullable("integer"),
        "file": nullable("string"),
        "line": nullable("integer"),
        "preview": typed("string", "For a create, with a catalogue: the message as sent."),
        "cost": {
            "type": "object",
            "description": "For a create, with a rate card: its estimate.",
            "required": ["currency", "amount"],
            "properties": {
                "currency": _CURRENCY,
                "amount": _AMOUNT,
                "category": {"enum": list(CATEGORIES)},
                "unpriced_recipients": typed(
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
        "file": typed("string"),
        "line": nullable("integer"),
        "field": nullable("string"),
        "message": typed("string"),
        "hint": nullable("string"),
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
        "keys": typed(
            "array", "The campaigns concerned, one to create first.", items=typed("string")
        ),
        "count": typed(
            "integer", "Recipients concerned (messaging_limit: unique ones).", minimum=0
        ),
        "examples": typed(
            "array",
            "A few of their numbers, masked unless --show-sensitive.",
            items=typed("string"),
        ),
        "message": typed("string"),
        "hint": nullable("string"),
    },
}

_PROPERTIES = {
    "environment": typed("string", minLength=1),
    "state_exists": typed(
        "boolean",
        "False when no state has been written yet (the plan is then made against an empty state).",
    ),
    "lineage": nullable("string", "The state's lineage id at plan time."),
    "serial": typed("integer", "The state's serial at plan time.", minimum=0),
    "summary": typed(
        "object",
        "How many campaigns take each action, and how many records apply would move.",
        required=list(ACTIONS),
        additionalProperties=False,
        properties={
            **{name: _COUNT for name in ACTIONS},
            "moved": typed(
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
    "policies": typed(
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
            "rate_card_date": typed("string", "The card's effective date.", format="date"),
            "rate_card": typed("string", "The card's file, project-relative."),
            "unpriced_recipients": _COUNT,
        },
    },
}

PLAN_SCHEMA = {
    **versioned(
        "reconciler plan (reconciler plan --format json)",
        "A plan of one environment.",
        [
            *("environment", "state_exists", "lineage", "serial", "summary"),
            *("recipients_to_create", "actions", "warnings", "errors"),
        ],
        _PROPERTIES,
    ),
    "$defs": {"action": _ACTION, "diagnostic": _DIAGNOSTIC, "policy_finding": _POLICY_FINDING},
}


def plan_schema() -> dict[str, Any]:
    """The schema of the JSON plan, format_version 1 (a copy: callers may change it)."""
    return copy.deepcopy(PLAN_SCHEMA)
