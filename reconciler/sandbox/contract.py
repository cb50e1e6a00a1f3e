"""The request body ContactSwing's seed page documents, checked the way FastAPI would.

This is the server's contract, kept apart from reconciler's own (stricter) validation in
``reconciler.models`` on purpose: the sandbox is an independent check that what the tool
sends has the documented shape. Required fields and types are those of the seed page;
unknown keys are refused (a spec-only key such as ``key`` or ``customer_details_csv`` must
never reach the API). Optional fields may be ``null``.
"""

from __future__ import annotations

from typing import Any

# A field's name ends in "?" when it is optional. Types: "str", "int", "bool", "object"
# (any mapping), a nested schema (dict), or a one-item list [item type] for arrays.
Schema = dict[str, Any]

_PARAMS: Schema = {"is_static?": "bool", "params?": ["object"]}
_SETTINGS: Schema = {
    "execution_days": ["str"],
    "start_hour": "int",
    "end_hour": "int",
    "delay": "int",
    "time_zone": "str",
    "ignore_suppression?": "bool",
    "from_numbers": ["str"],
}
_CUSTOMER: Schema = {"id": "str", "to_number": "str"}
_WHATSAPP: Schema = {
    "template?": "str",
    "language_code?": "str",
    "body_params?": _PARAMS,
    "header_params?": _PARAMS,
    "button_params?": _PARAMS,
    "whatsapp_body?": "str",
}
_TOUCHPOINT: Schema = {
    "name": "str",
    "type": "str",
    "is_consultants?": "bool",
    "status": "str",
    "start_at": "str",
    "assistant_id": "int",
    "attachment_url?": "str",
    "additional_settings": _SETTINGS,
    "customer_details": [_CUSTOMER],
    "whatsapp_data": _WHATSAPP,
    "variables?": ["object"],
}
BODY: Schema = {
    "name": "str",
    "type?": "str",
    "company_plan_id?": "str",
    "workspace_id?": "str",
    "business_goal?": "str",
    "touchpoint": _TOUCHPOINT,
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
    for field, kind in schema.items():
        name, required = field.rstrip("?"), not field.endswith("?")
        if name not in value:
            if required:
                errors.append(_error((*loc, name), "Field required", "missing"))
            continue
        if value[name] is None and not required:
            continue
        errors += _check(kind, value[name], (*loc, name))
    for name in value:
        if name not in schema and f"{name}?" not in schema:
            errors.append(_error((*loc, name), "Extra inputs are not permitted", "extra_forbidden"))
    return errors


def validate_body(payload: Any) -> list[dict[str, Any]]:
    """Every way ``payload`` departs from the documented create body; empty when it fits."""
    return check_object(BODY, payload)
