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

from reconciler.phones import map_body_numbers

PhoneFormat = Literal["e164", "digits"]
PHONE_FORMATS: tuple[PhoneFormat, ...] = ("e164", "digits")


def _digits(number: str) -> str:
    return number.removeprefix("+")


def to_wire(body: Mapping[str, Any], phone_format: str) -> dict[str, Any]:
    """A copy of a canonical body with recipients' and senders' numbers in ``phone_format``.

    ``e164`` sends the body as it is; ``digits`` drops the leading ``+`` of every
    ``customer_details[].to_number`` and ``additional_settings.from_numbers[]``.
    """
    if phone_format not in PHONE_FORMATS:
        raise ValueError(f"unknown phone_format {phone_format!r}; expected one of {PHONE_FORMATS}")
    if phone_format == "e164":
        return copy.deepcopy(dict(body))
    return map_body_numbers(body, _digits, _digits)
