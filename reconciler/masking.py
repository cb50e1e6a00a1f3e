"""The one masking function for recipients' phone numbers.

Plans, diffs, ``render``, ``state show``, errors and logs all mask through here, unless
the user asked for ``--show-sensitive``. Masking keeps the country calling code and
the last two digits (``+91********01``). Sender numbers (``from_numbers``) belong to the
business and are shown as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

_CALLING_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)
MASK = "*"


def _calling_code(digits: str) -> str:
    for length in (1, 2, 3):
        if digits[:length] in _CALLING_CODES:
            return digits[:length]
    return ""


def mask_phone(number: str) -> str:
    """Mask a phone number, keeping its country calling code and last two digits."""
    plus = number.startswith("+")
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 4:
        return MASK * len(number)
    code = _calling_code(digits)
    hidden = len(digits) - len(code) - 2
    return ("+" if plus else "") + code + MASK * max(hidden, 1) + digits[-2:]


def mask_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an API body with every recipient's ``to_number`` masked."""
    masked: dict[str, Any] = copy.deepcopy(dict(body))
    touchpoint = masked.get("touchpoint")
    if isinstance(touchpoint, dict):
        for item in touchpoint.get("customer_details") or []:
            if isinstance(item, dict) and isinstance(item.get("to_number"), str):
                item["to_number"] = mask_phone(item["to_number"])
    return masked


def maybe_mask(body: Mapping[str, Any], *, show_sensitive: bool) -> dict[str, Any]:
    """``body`` as it may be displayed: masked unless ``show_sensitive``."""
    return dict(body) if show_sensitive else mask_body(body)
