"""Template parameters and ``variables`` that carry a WhatsApp Cloud API ``type``.

These items are free-form objects in the API; an item whose ``type`` is one of text,
currency, date_time, image, document or video must have that type's shape (Meta's
parameter objects). Other items pass as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.models.fields import CURRENCY_CODE, check_http_url
from reconciler.models.problems import FieldProblem, Path, kind

PARAM_GROUPS = ("body_params", "header_params", "button_params")


def check_parameter_items(data: Mapping[str, Any]) -> list[FieldProblem]:
    """Problems in typed parameter items of ``whatsapp_data`` and ``variables``."""
    touchpoint = data.get("touchpoint")
    if not isinstance(touchpoint, Mapping):
        return []
    problems: list[FieldProblem] = []
    lists: list[tuple[Path, Any]] = [(("touchpoint", "variables"), touchpoint.get("variables"))]
    wa = touchpoint.get("whatsapp_data")
    if isinstance(wa, Mapping):
        for group in PARAM_GROUPS:
            params = wa.get(group)
            if isinstance(params, Mapping):
                path: Path = ("touchpoint", "whatsapp_data", group, "params")
                lists.append((path, params.get("params")))
    for path, items in lists:
        if isinstance(items, list):
            for index, item in enumerate(items):
                problems.extend(check_item(item, (*path, index)))
    return problems


def check_item(item: Any, path: Path) -> list[FieldProblem]:
    """Problems of one parameter item (none when it has no known ``type``)."""
    if not isinstance(item, Mapping):
        return []
    kind_ = item.get("type")
    checker = _CHECKS.get(kind_) if isinstance(kind_, str) else None
    return checker(item, path) if checker else []


def _text_field(obj: Mapping[str, Any], name: str, path: Path, what: str) -> list[FieldProblem]:
    if name not in obj:
        return [
            FieldProblem(
                (*path, name),
                f"a {what} parameter needs '{name}'",
                f"add {name}: <text> (Meta's parameter object shape)",
            )
        ]
    if not isinstance(obj[name], str):
        return [
            FieldProblem(
                (*path, name),
                f"expected text, got {kind(obj[name])}",
                "quote the value: it must be text",
            )
        ]
    return []


def _nested(
    item: Mapping[str, Any], name: str, path: Path
) -> tuple[Mapping[str, Any] | None, list[FieldProblem]]:
    value = item.get(name)
    if isinstance(value, Mapping):
        return value, []
    if name not in item:
        message = f"a {name} parameter needs a '{name}' object"
    else:
        message = f"expected a mapping, got {kind(value)}"
    return None, [FieldProblem((*path, name), message, _SHAPE_HINTS[name])]


def _check_text(item: Mapping[str, Any], path: Path) -> list[FieldProblem]:
    return _text_field(item, "text", path, "text")


def _check_currency(item: Mapping[str, Any], path: Path) -> list[FieldProblem]:
    currency, problems = _nested(item, "currency", path)
    if currency is None:
        return problems
    here = (*path, "currency")
    problems += _text_field(currency, "fallback_value", here, "currency")
    code = currency.get("code")
    if not (isinstance(code, str) and CURRENCY_CODE.fullmatch(code)):
        problems.append(
            FieldProblem(
                (*here, "code"),
                "currency code must be 3 upper-case letters"
                + ("" if "code" in currency else " (missing)"),
                "use the ISO 4217 code, e.g. INR, USD, EUR",
            )
        )
    amount = currency.get("amount_1000")
    if type(amount) is not int:
        problems.append(
            FieldProblem(
                (*here, "amount_1000"),
                f"expected a whole number, got {kind(amount)}"
                if "amount_1000" in currency
                else "amount_1000 is missing",
                "amount_1000 is the amount times 1000: 12.50 is 12500",
            )
        )
    return problems


def _check_date_time(item: Mapping[str, Any], path: Path) -> list[FieldProblem]:
    date_time, problems = _nested(item, "date_time", path)
    if date_time is None:
        return problems
    return _text_field(date_time, "fallback_value", (*path, "date_time"), "date_time")


def _media(name: str) -> Callable[[Mapping[str, Any], Path], list[FieldProblem]]:
    def check(item: Mapping[str, Any], path: Path) -> list[FieldProblem]:
        media, problems = _nested(item, name, path)
        if media is None:
            return problems
        here = (*path, name)
        problems = _text_field(media, "link", here, name)
        if not problems:
            try:
                check_http_url(media["link"])
            except ValueError as exc:  # PydanticCustomError is a ValueError
                hint = str(getattr(exc, "context", {}).get("hint", ""))
                problems.append(FieldProblem((*here, "link"), str(exc), hint))
        return problems

    return check


_SHAPE_HINTS = {
    "currency": "write currency: {fallback_value: '₹100', code: INR, amount_1000: 100000}",
    "date_time": "write date_time: {fallback_value: 'October 28, 2027'}",
    "image": "write image: {link: https://…}",
    "document": "write document: {link: https://…}",
    "video": "write video: {link: https://…}",
}

_CHECKS: dict[str, Callable[[Mapping[str, Any], Path], list[FieldProblem]]] = {
    "text": _check_text,
    "currency": _check_currency,
    "date_time": _check_date_time,
    "image": _media("image"),
    "document": _media("document"),
    "video": _media("video"),
}
