"""The one masking function for recipients' phone numbers.

Plans, diffs, ``render``, ``state show``, errors and logs all mask through here, unless
the user asked for ``--show-sensitive``. Masking keeps the country calling code and
the last two digits (``+91********01``). Sender numbers (``from_numbers``) belong to the
business and are shown as they are.

Bodies are masked by field (``maybe_mask``: every ``to_number``). Free text (an API's
error message, a log line, a spec line echoed in a diagnostic) is masked by
``mask_text``, which decides what a number is:

- ``+`` and at least 7 digits, maybe written with spaces, dots, hyphens or parentheses
  between digit groups (``+447911123456``, ``+44 7911 123-456``), not right after a
  digit or another ``+``;
- a bare run of 8 to 15 digits (``phone_format: digits`` sends numbers so; single
  spaces may split it, as a user may write one) standing alone: not touching a letter,
  a digit, ``_``, ``-`` or ``+``, nor a ``.`` that joins it to more digits. So the digit
  groups of a UUID (``34567892-1b07-…``), the digits inside an id (``cmp_123456789012``,
  a hex digest) and dotted versions stay whole.

A number whose digits are those of a sender number of the same bodies is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any

from reconciler.phones import map_body_numbers, split_country_code

MASK = "*"
MAX_DIGITS = 15  # E.164: a number has at most 15 digits
_MIN_PLUS_DIGITS = 7  # the shortest real numbers (+290 1234, Saint Helena)
_MIN_BARE_DIGITS = 8  # fewer, without "+", is a count, a year, a code: not worth hiding
_SEPARATORS = " ().-"

_GROUP = r"[ ().\-]{1,2}\d+(?!\w)"  # a further digit group of a written number
_PLUS = rf"(?<![\d+])\+\(?\d+(?:{_GROUP})*"
_BARE = r"(?<![\w+\-.])\d+(?: \d+)*(?![\w\-]|\.\d)"
_NUMBER = re.compile(f"{_PLUS}|{_BARE}")
_DIGIT_GROUP = re.compile(r"\d+")


def mask_phone(number: str) -> str:
    """Mask a phone number, keeping its country calling code and last two digits."""
    plus = number.startswith("+")
    digits = digits_of(number)
    if len(digits) <= 4:
        return MASK * len(number)
    calling_code, _ = split_country_code(digits)
    code = str(calling_code) if calling_code else ""
    hidden = len(digits) - len(code) - 2
    return ("+" if plus else "") + code + MASK * max(hidden, 1) + digits[-2:]


def digits_of(number: str) -> str:
    """The digits of a number as written (``+44 7911-123456`` -> ``447911123456``)."""
    return "".join(ch for ch in number if ch.isdigit())


class Senders(Container[str]):
    """The digits of the sender numbers (``from_numbers``) of some bodies.

    ``bodies`` is called on the first question only: most texts hold no number, so a
    plan's bodies are not decoded just to mask its messages. Bodies may be API bodies
    or specs (both keep ``touchpoint.additional_settings.from_numbers``), or None.
    """

    def __init__(self, bodies: Callable[[], Iterable[Mapping[str, Any] | None]]) -> None:
        self._bodies = bodies
        self._digits: frozenset[str] | None = None

    @classmethod
    def of(cls, *bodies: Mapping[str, Any] | None) -> Senders:
        """The senders of the given bodies."""
        return cls(lambda: bodies)

    def __contains__(self, digits: object) -> bool:
        if self._digits is None:
            self._digits = sender_digits(*self._bodies())
        return digits in self._digits


def sender_digits(*bodies: Mapping[str, Any] | None) -> frozenset[str]:
    """The digits of every sender number (``from_numbers``) of these bodies."""
    return frozenset(digits_of(n) for body in bodies for n in _from_numbers(body))


NO_SENDERS: Container[str] = frozenset()


def _from_numbers(body: Mapping[str, Any] | None) -> list[str]:
    touchpoint = body.get("touchpoint") if isinstance(body, Mapping) else None
    settings = touchpoint.get("additional_settings") if isinstance(touchpoint, Mapping) else None
    numbers = settings.get("from_numbers") if isinstance(settings, Mapping) else None
    return [n for n in numbers if isinstance(n, str)] if isinstance(numbers, list) else []


def mask_text(text: str, *, senders: Container[str] = NO_SENDERS) -> str:
    """``text`` with every recipient's number masked (see the module's rules).

    ``senders``: digits of the sender numbers, which are shown.
    """
    return _NUMBER.sub(lambda m: _masked(m.group(0), senders), text)


def _masked(found: str, senders: Container[str]) -> str:
    number, rest = _first_number(found)
    digits = digits_of(number)
    plus = number.startswith("+")
    if len(digits) < (_MIN_PLUS_DIGITS if plus else _MIN_BARE_DIGITS) or digits in senders:
        shown = number
    elif not plus and len(digits) > MAX_DIGITS:
        shown = number  # one long run of digits: an id, not a number
    else:
        shown = mask_phone(number)
    return shown + (mask_text(rest, senders=senders) if rest else "")


def _first_number(found: str) -> tuple[str, str]:
    """``found`` cut where E.164 would end it, at most 15 digits; the rest after it.

    What follows the 15th digit (a date, a second number after a space) is masked on
    its own. One group of more digits stays whole.
    """
    count = 0
    for index, group in enumerate(_DIGIT_GROUP.finditer(found)):
        count += len(group.group(0))
        if count > MAX_DIGITS and index > 0:
            end = group.start()
            while found[end - 1] in _SEPARATORS:
                end -= 1
            return found[:end], found[end:]
    return found, ""


def maybe_mask(body: Mapping[str, Any], *, show_sensitive: bool) -> dict[str, Any]:
    """``body`` as it may be displayed: a copy with every recipient's ``to_number`` masked,
    unless ``show_sensitive``."""
    return dict(body) if show_sensitive else map_body_numbers(body, mask_phone)
