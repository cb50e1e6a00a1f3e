"""The body as it goes on the wire: the one place ``phone_format`` is applied.

Bodies everywhere else (specs, fingerprints, state, plan files) are canonical, with
numbers in E.164 (``+447911123456``). Some ContactSwing pages show numbers without the
``+``; an environment with ``phone_format: digits`` sends them that way. Fingerprints are
taken of the canonical body, so switching the format marks nothing as changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

PhoneFormat = Literal["e164", "digits"]
PHONE_FORMATS: tuple[PhoneFormat, ...] = ("e164", "digits")


def _digits(number: Any) -> Any:
    if isinstance(number, str) and number.startswith("+"):
        return number[1:]
    return number


def to_wire(body: Mapping[str, Any], phone_format: str) -> dict[str, Any]:
    """A copy of a canonical body with recipients' and senders' numbers in ``phone_format``.

    ``e164`` sends the body as it is; ``digits`` drops the leading ``+`` of every
    ``customer_details[].to_number`` and ``additional_settings.from_numbers[]``.
    """
    if phone_format not in PHONE_FORMATS:
        raise ValueError(f"unknown phone_format {phone_format!r}; expected one of {PHONE_FORMATS}")
    wire: dict[str, Any] = copy.deepcopy(dict(body))
    if phone_format == "e164":
        return wire
    touchpoint = wire.get("touchpoint")
    if not isinstance(touchpoint, dict):
        return wire
    for item in touchpoint.get("customer_details") or []:
        if isinstance(item, dict) and "to_number" in item:
            item["to_number"] = _digits(item["to_number"])
    settings = touchpoint.get("additional_settings")
    if isinstance(settings, dict) and isinstance(settings.get("from_numbers"), list):
        settings["from_numbers"] = [_digits(n) for n in settings["from_numbers"]]
    return wire
