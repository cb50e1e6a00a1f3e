"""The request body ContactSwing's seed page documents, checked the way FastAPI would.

This is the server's contract, kept apart from reconciler's own (stricter) validation in
``reconciler.models`` on purpose: the sandbox is an independent check that what the tool
sends has the documented shape. Required fields and types are those of the seed page;
unknown keys are refused (a spec-only key such as ``key`` or ``customer_details_csv`` must
never reach the API). Optional fields may be ``null``.
"""

from __future__ import annotations

from typing import Any

# A field is (type, required). Types: "str", "int", "bool", "object" (any mapping),
# a nested schema (dict), or a one-item list [item type] for arrays.
Schema = dict[str, tuple[Any, bool]]

_PARAMS: Schema = {"is_static": ("bool", False), "params": (["object"], False)}
_SETTINGS: Schema = {
    "execution_days": (["str"], True),
    "start_hour": ("int", True),
    "end_hour": ("int", True),
    "delay": ("int", True),
    "time_zone": ("str", True),
    "ignore_suppression": ("bool", False),
    "from_numbers": (["str"], True),
}
_CUSTOMER: Schema = {"id": ("str", True), "to_number": ("str", True)}
_WHATSAPP: Schema = {
    "template": ("str", False),
    "language_code": ("str", False),
    "body_params": (_PARAMS, False),
    "header_params": (_PARAMS, False),
    "button_params": (_PARAMS, False),
    "whatsapp_body": ("str", False),
}
_TOUCHPOINT: Schema = {
    "name": ("str", True),
    "type": ("str", True),
    "is_consultants": ("bool", False),
    "status": ("str", True),
    "start_at": ("str", True),
    "assistant_id": ("int", True),
    "attachment_url": ("str", False),
    "additional_settings": (_SETTINGS, True),
    "customer_details": ([_CUSTOMER], True),
    "whatsapp_data": (_WHATSAPP, True),
    "variables": (["object"], False),
}
BODY: Schema = {
    "name": ("str", True),
    "type": ("str", False),
    "company_plan_id": ("str", False),
    "workspace_id": ("str", False),
    "business_goal": ("str", False),
    "touchpoint": (_TOUCHPOINT, True),
}

Loc = tuple[str | int, ...]


def _error(loc: Loc, msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def _check_scalar(kind: str, value: Any, loc: Loc) -> list[dict[str, Any]]:
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "object": isinstance(value, dict),
    }[kind]
    if ok:
        return []
    names = {"str": "a valid string", "int": "a valid integer", "bool": "a valid boolean"}
    return [_error(loc, f"Input should be {names.get(kind, 'a valid dictionary')}", f"{kind}_type")]


def _check(kind: Any, value: Any, loc: Loc) -> list[dict[str, Any]]:
    if isinstance(kind, dict):
        return check_object(kind, value, loc)
    if isinstance(kind, list):
        if not isinstance(value, list):
            return [_error(loc, "Input should be a valid list", "list_type")]
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            errors += _check(kind[0], item, (*loc, index))
        return errors
    return _check_scalar(kind, value, loc)


def check_object(schema: Schema, value: Any, loc: Loc = ()) -> list[dict[str, Any]]:
    """FastAPI-style errors (``loc``, ``msg``, ``type``) for ``value`` against ``schema``."""
    if not isinstance(value, dict):
        return [_error(loc, "Input should be a valid dictionary", "dict_type")]
    errors: list[dict[str, Any]] = []
    for name, (kind, required) in schema.items():
        if name not in value:
            if required:
                errors.append(_error((*loc, name), "Field required", "missing"))
            continue
        if value[name] is None and not required:
            continue
        errors += _check(kind, value[name], (*loc, name))
    for name in value:
        if name not in schema:
            errors.append(_error((*loc, name), "Extra inputs are not permitted", "extra_forbidden"))
    return errors


def validate_body(payload: Any) -> list[dict[str, Any]]:
    """Every way ``payload`` departs from the documented create body; empty when it fits."""
    return check_object(BODY, payload)
