"""``FieldProblem`` and the translation of pydantic errors into messages users can act on.

Messages never echo a value that could be a recipient's phone number: type errors name
the kind of value found ("got a number"), not the value itself.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from reconciler.campaign import format_path
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.models.fields import DAYS, RULE, closest

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldProblem:
    """One problem in a spec document, at ``path`` (``()`` for the document itself)."""

    path: Path
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    @property
    def field(self) -> str:
        """The dotted path users read: ``touchpoint.customer_details[1].to_number``."""
        return format_path(self.path)

    def at(self, location: SourceLocation) -> Diagnostic:
        """This problem as a diagnostic, at ``location`` (the line its path is on)."""
        return Diagnostic(location, self.message, self.field, self.hint, self.severity)


def kind(value: Any) -> str:
    """What sort of value the user wrote, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path``, if it is one."""
    current: Any = root
    for part in path:
        if isinstance(part, int):
            continue  # a list item: ``_inner_model`` looks through the list
        model = _inner_model(current)
        if model is not None and part in model.model_fields:
            current = model.model_fields[part].annotation
        elif (value := _dict_value(current)) is not None:
            current = value  # a mapping's entry: ``environments.prod``
        else:
            return None
    return _inner_model(current)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _dict_value(annotation: Any) -> Any:
    """The value type of a ``dict[str, X]`` annotation (also inside Optional), else None."""
    origin = typing.get_origin(annotation)
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin in (typing.Annotated, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _dict_value(arg)
            if found is not None:
                return found
    return None


def wrong_kind(path: Path, expected: str, value: Any, hint: str) -> FieldProblem:
    """``expected text, got a whole number``: the kind found, never the value itself."""
    return FieldProblem(path, f"expected {expected}, got {kind(value)}", hint)


def missing_key(path: Path, document: str = "the campaign") -> FieldProblem:
    """The required key ``path[-1]`` is missing from the mapping at ``path[:-1]``."""
    parent = format_path(path[:-1]) or document
    return FieldProblem(
        path, f"required key '{path[-1]}' is missing", f"add {path[-1]}: to {parent}"
    )


def unknown_key(path: Path, allowed: Sequence[str]) -> FieldProblem:
    """The key ``path[-1]`` is not one of ``allowed``: "did you mean …?", else the list."""
    guess = closest(str(path[-1]), allowed)
    hint = f"did you mean {guess}?" if guess else f"allowed keys here: {', '.join(allowed)}"
    return FieldProblem(path, f"unknown key '{path[-1]}'", hint)


_TYPE_MESSAGES = {
    "string_type": ("text", "quote the value: it must be text (for example '00123' or '+9198…')"),
    "int_type": ("a whole number", "write a number without quotes"),
    "int_from_float": ("a whole number", "write a whole number, without a decimal part"),
    "number_type": ("a number", "write a number without quotes, such as 25000 or 2500.50"),
    "bool_type": ("true or false", "write true or false (yes/no/on/off are text in YAML 1.2)"),
    "list_type": ("a list", "write a YAML list: [a, b] or one '- item' per line"),
    "model_type": ("a mapping", "write 'key: value' pairs indented under this key"),
    "model_attributes_type": ("a mapping", "write 'key: value' pairs indented under this key"),
    "dict_type": ("a mapping", "write 'key: value' pairs, e.g. {type: text, text: Hi}"),
}


# Hints for a file without templates (reconciler.yaml): the defaults speak of spec values.
_PLAIN_HINTS = {
    "string_type": "write text (quoted, if YAML would read it as a number or true/false)",
    "dict_type": "write 'key: value' pairs indented under this key",
    "number_type": "write a number without quotes, such as 25000 or 2500.50 (not .inf or .nan)",
}


def _type_problem(err: ErrorDetails, path: Path, templated: bool) -> FieldProblem:
    expected, hint = _TYPE_MESSAGES[err["type"]]
    value = err["input"]
    if not templated:
        hint = _PLAIN_HINTS.get(err["type"], hint)
    if err["type"] in ("int_type", "int_from_float"):
        hint = _int_hint(value, hint, templated)
    return wrong_kind(path, expected, value, hint)


def _int_hint(value: Any, default: str, templated: bool) -> str:
    if isinstance(value, str) and not templated:
        return "remove the quotes"
    if isinstance(value, str):
        return (
            "remove the quotes; a value that is exactly one {{ expression }} keeps the "
            "variable's type, so make sure the variable is a number"
        )
    if isinstance(value, float):
        return "write a whole number, without a decimal part"
    if isinstance(value, bool):
        return "write a number, not true or false"
    return default


def _bound_problem(err: ErrorDetails, path: Path) -> FieldProblem:
    ctx = err.get("ctx", {})
    bounds = {"greater_than_equal": "at least", "less_than_equal": "at most"}
    word = bounds[err["type"]]
    limit = ctx.get("ge", ctx.get("le"))
    extra = " minutes" if path[-1:] == ("delay",) else ""
    return FieldProblem(
        path,
        f"must be {word} {limit}{extra}, got {err['input']}",
        _bound_hint(path, f"write a whole number ({word} {limit})"),
    )


def _bound_hint(path: Path, default: str) -> str:
    name = path[-1] if path else ""
    return {
        "start_hour": "hours are whole hours of the day: start_hour 0..23",
        "end_hour": "hours are whole hours of the day: end_hour 1..24 (24 is midnight)",
        "delay": "delay is a number of minutes, 0 or more",
        "assistant_id": "use the numeric ID of the assistant from ContactSwing",
        "max_cost": "an amount in the rate card's currency, 0 or more (e.g. 25000 or 2500.50)",
    }.get(str(name), default)


def _empty_problem(err: ErrorDetails, path: Path) -> FieldProblem:
    mapping = isinstance(err["input"], dict)
    hint = "add at least one entry under this key" if mapping else "list at least one item"
    return FieldProblem(path, "must not be empty", hint)


def _literal_problem(err: ErrorDetails, root: type[BaseModel], path: Path) -> FieldProblem:
    value = err["input"]
    if path[-1:] == ("type",) and "touchpoint" in path:
        return FieldProblem(
            path,
            f"touchpoint type must be WHATSAPP, got {value!r}",
            "this endpoint creates WhatsApp touchpoints: write type: WHATSAPP",
        )
    if "execution_days" in path:
        guess = closest(str(value).lower()[:3], DAYS) if isinstance(value, str) else None
        hint = f"did you mean {guess}? " if guess else ""
        return FieldProblem(
            path,
            f"{value!r} is not a day",
            hint + "use lowercase three-letter days: " + ", ".join(DAYS),
        )
    return _choice_problem(err, root, path)


def _choice_problem(err: ErrorDetails, root: type[BaseModel], path: Path) -> FieldProblem:
    """``phone_format must be e164 or digits, got 'plus'``, with "did you mean"."""
    parent = _model_at(root, tuple(err["loc"])[:-1])
    field = parent.model_fields.get(str(err["loc"][-1])) if parent else None
    literal = field is not None and typing.get_origin(field.annotation) is typing.Literal
    choices = [str(c) for c in typing.get_args(field.annotation)] if field and literal else []
    if not choices:
        return FieldProblem(path, err["msg"], "")
    value, name = err["input"], path[-1]
    shown = repr(value) if isinstance(value, str) else kind(value)
    guess = closest(value.lower(), choices) if isinstance(value, str) else None
    hint = f"did you mean {guess}?" if guess else f"write {name}: " + " or ".join(choices)
    return FieldProblem(path, f"{name} must be {' or '.join(choices)}, got {shown}", hint)


def from_pydantic(
    err: ErrorDetails,
    root: type[BaseModel],
    prefix: Path = (),
    *,
    document: str = "the campaign",
    templated: bool = True,
) -> FieldProblem:
    """One pydantic error as a ``FieldProblem`` with a message and a hint.

    ``document`` names the top level in hints ("add version: to reconciler.yaml");
    ``templated`` is whether values may come from ``{{ expressions }}`` (spec files).
    """
    path: Path = prefix + tuple(err["loc"])
    kind_ = err["type"]
    ctx = err.get("ctx", {})
    if kind_ == RULE:
        return FieldProblem(path + tuple(ctx.get("subpath", ())), err["msg"], ctx.get("hint", ""))
    if kind_ == "missing":
        return missing_key(path, document)
    if kind_ == "extra_forbidden":
        model = _model_at(root, tuple(err["loc"])[:-1])
        return unknown_key(path, list(model.model_fields) if model else [])
    if kind_ in _TYPE_MESSAGES:
        return _type_problem(err, path, templated)
    if kind_ in ("greater_than_equal", "less_than_equal"):
        return _bound_problem(err, path)
    if kind_ == "too_short":
        return _empty_problem(err, path)
    if kind_ == "literal_error":
        return _literal_problem(err, root, path)
    return FieldProblem(path, err["msg"], "")
