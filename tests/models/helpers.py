"""A valid spec document and small tools to break it one rule at a time."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.models import FieldProblem, validate_spec
from tests.support.bodies import BODY_PARAMS, derive

_GOOD: dict[str, Any] = derive(
    first={"key": "diwali-2027-vip", "previous_keys": ["diwali-vip"]},
    drop=("type", "company_plan_id"),
    top={"workspace_id": "00123"},
    touchpoint={
        "customer_details": [
            {"id": "c1", "to_number": "+919800000011"},
            {"id": "c2", "to_number": "+447911123456"},
        ]
    },
    whatsapp={"body_params": BODY_PARAMS},
)


def good() -> dict[str, Any]:
    """A fresh copy of a spec document that passes every rule."""
    return copy.deepcopy(_GOOD)


def set_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``a.b.0.c`` in ``doc`` (list indexes as numbers); returns ``doc``."""
    *parents, last = _parts(path)
    target: Any = doc
    for part in parents:
        target = target[part]
    target[last] = value
    return doc


def delete_path(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """Remove ``a.b.c`` from ``doc``; returns ``doc``."""
    *parents, last = _parts(path)
    target: Any = doc
    for part in parents:
        target = target[part]
    del target[last]
    return doc


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def problems_of(doc: Any) -> list[FieldProblem]:
    """Every problem ``validate_spec`` finds in ``doc``."""
    return validate_spec(doc)[1]


def errors_of(doc: Any) -> list[FieldProblem]:
    """Only the errors (no warnings); asserts the spec was refused when there are any."""
    spec, problems = validate_spec(doc)
    errors = [p for p in problems if p.severity == "error"]
    assert (spec is None) == bool(errors)
    return errors
