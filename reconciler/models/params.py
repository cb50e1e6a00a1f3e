"""Template parameters and ``variables`` that carry a WhatsApp Cloud API ``type``.

These items are free-form objects in the API; an item whose ``type`` is one of text,
currency, date_time, image, document or video must have that type's shape (Meta's
parameter objects). Other items pass as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.models.fields import CURRENCY_CODE, check_http_url
from reconciler.models.problems import FieldProblem, Path, kind, wrong_kind
from reconciler.words import a

PARAM_GROUPS = ("body_params", "header_params", "button_params")


def whatsapp_data(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The message of an API body or a spec (``touchpoint.whatsapp_data``), if a mapping."""
    touchpoint = body.get("touchpoint")
    wa = touchpoint.get("whatsapp_data") if isinstance(touchpoint, Mapping) else None
    return wa if isinstance(wa, Mapping) else None


def params_of(group: Any) -> list[Any]:
    """The ``params`` list of a params group (``body_params``…); [] when it has none."""
    items = group.get("params") if isinstance(group, Mapping) else None
    return items if isinstance(items, list) else []


def check_parameter_items(data: Mapping[str, Any]) -> list[FieldProblem]:
    """Problems in typed parameter items of ``whatsapp_data`` and ``variables``."""
    touchpoint = data.get("touchpoint")
    if not isinstance(touchpoint, Mapping):
        return []
    problems: list[FieldProblem] = []
    lists: list[tuple[Path, Any]] = [(("touchpoint", "variables"), touchpoint.get("variables"))]
    wa = whatsapp_data(data) or {}
    for group in PARAM_GROUPS:
        lists.append((("touchpoint", "whatsapp_data", group, "params"), params_of(wa.get(group))))
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
    if kind_ == "text":
        return _text_field(item, "text", path, "text")
    if not isinstance(kind_, str) or kind_ not in _CHECKS:
        return []
    nested, problems = _nested(item, kind_, path)
    return _CHECKS[kind_](nested, (*path, kind_)) if nested is not None else problems


def _text_field(obj: Mapping[str, Any], name: str, path: Path, what: str) -> list[FieldProblem]:
    if name not in obj:
        return [
            FieldProblem(
                (*path, name),
                f"{a(what)} parameter needs '{name}'",
                f"add {name}: <text> (Meta's parameter object shape)",
            )
        ]
    if not isinstance(obj[name], str):
        return [wrong_kind((*path, name), "text", obj[name], "quote the value: it must be text")]
    return []


def _nested(
    item: Mapping[str, Any], name: str, path: Path
) -> tuple[Mapping[str, Any] | None, list[FieldProblem]]:
    value = item.get(name)
    if isinstance(value, Mapping):
        return value, []
    if name not in item:
        message = f"{a(name)} parameter needs its '{name}' object"
    else:
        message = f"expected a mapping, got {kind(value)}"
    return None, [FieldProblem((*path, name), message, _SHAPE_HINTS[name])]


def _check_currency(currency: Mapping[str, Any], here: Path) -> list[FieldProblem]:
    problems = _text_field(currency, "fallback_value", here, "currency")
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


def _check_date_time(date_time: Mapping[str, Any], here: Path) -> list[FieldProblem]:
    return _text_field(date_time, "fallback_value", here, "date_time")


def _check_media(media: Mapping[str, Any], here: Path) -> list[FieldProblem]:
    """An image, document or video: a ``link`` that is an http(s) URL."""
    problems = _text_field(media, "link", here, str(here[-1]))
    if not problems:
        try:
            check_http_url(media["link"])
        except ValueError as exc:  # PydanticCustomError is a ValueError
            hint = str(getattr(exc, "context", {}).get("hint", ""))
            problems.append(FieldProblem((*here, "link"), str(exc), hint))
    return problems


_SHAPE_HINTS = {
    "currency": "write currency: {fallback_value: '₹100', code: INR, amount_1000: 100000}",
    "date_time": "write date_time: {fallback_value: 'October 28, 2027'}",
    "image": "write image: {link: https://…}",
    "document": "write document: {link: https://…}",
    "video": "write video: {link: https://…}",
}

# The check of each typed item's nested object (``currency: {...}``), given its path.
_CHECKS: dict[str, Callable[[Mapping[str, Any], Path], list[FieldProblem]]] = {
    "currency": _check_currency,
    "date_time": _check_date_time,
    "image": _check_media,
    "document": _check_media,
    "video": _check_media,
}
