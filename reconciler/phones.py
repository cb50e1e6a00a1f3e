"""Phone numbers: the one place that parses and normalises them.

``normalize`` turns a number as a user wrote it into E.164 (``+`` and country code,
digits only), or raises ``ValueError`` saying why it is not a real number. It is
exact: a number is accepted only when the ``phonenumbers`` library says it is valid.

Speed: 200,000 recipients must validate in well under two seconds, and
``phonenumbers.parse`` alone takes longer than that. Numbers already written in
compact E.164 (the common case, and every CSV exported by a careful tool) take a fast
path that skips ``parse`` but makes exactly the decisions it would (same country code,
same national-prefix rule, same leading zeros), then asks ``is_valid_number``. Anything
else, and anything the fast path does not accept, goes through the full library.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    PhoneMetadata,
    PhoneNumberFormat,
)

# What a user may write: a leading "+", digits, and the usual visual separators.
# Letters (vanity numbers) and extensions would be silently converted or dropped by
# the library, so they are refused instead.
WRITTEN_NUMBER = re.compile(r"\+[0-9][0-9 ().\-]*")
_COMPACT = re.compile(r"\+[1-9][0-9]{2,16}")
E164_EXAMPLE = "+919800000001"
# What a message about a number that is not one says to do (a recipient's, an opt-out's).
E164_HINT = f"write the WhatsApp number in E.164: '+', country code, number (like {E164_EXAMPLE})"


# Calling codes by their digits: ``parse`` tries the first 1, 2, then 3 digits. The
# digits after "+" in compact E.164 have no leading zero, so text equality is int equality.
_CODE_BY_TEXT = {str(code): code for code in COUNTRY_CODE_TO_REGION_CODE}


def split_country_code(digits: str) -> tuple[int, str]:
    """Country calling code (0: none) and national number, as ``parse`` extracts them."""
    for length in (1, 2, 3):
        code = _CODE_BY_TEXT.get(digits[:length])
        if code is not None:
            return code, digits[length:]
    return 0, digits


def _fast(number: str) -> str | None:
    """``number`` itself when it is compact E.164 and valid as the library decides, else None."""
    code, national = split_country_code(number[1:])
    if code == 0 or not 2 <= len(national) <= 17:
        return None
    rule, regions = _calling_code(code)
    if rule is not None and rule.match(national):
        return None  # parse might strip a national prefix: let it decide
    # With no prefix stripped, parse keeps ``national`` (leading zeros included) as the
    # national significant number, so E.164 is ``number`` itself when it is valid.
    return number if _is_valid(regions, national) else None


@cache
def _calling_code(code: int) -> tuple[re.Pattern[str] | None, tuple[_Region | None, ...]]:
    """What the fast path consults for a calling code, in one lookup: the national-prefix
    pattern ``parse`` would try to strip, and the rules of its regions."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    rule = metadata.national_prefix_for_parsing if metadata is not None else None
    return (re.compile(rule) if rule else None), _regions(code)


_NEVER = "(?!)"  # a description the library would never match


def _desc_regex(desc: Any) -> str:
    """One ``PhoneNumberDesc`` as a regex: a lookahead on its possible lengths, its pattern.

    Same as phonenumbers' ``_is_number_matching_desc``: no pattern never matches; listed
    lengths (``-1`` alone: "no such numbers") must hold; match + fullmatch == fullmatch.
    """
    pattern = desc.national_number_pattern if desc is not None else None
    if not pattern:
        return _NEVER
    lengths = sorted({n for n in desc.possible_length or () if n > 0})
    if desc.possible_length and not lengths:
        return _NEVER
    guard = "|".join(f"[0-9]{{{n}}}" for n in lengths)
    return (f"(?=(?:{guard})\\Z)" if guard else "") + f"(?:{pattern})"


_TYPES = (  # in the order the regex tries them (the result does not depend on it)
    *("fixed_line", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number"),
    *("pager", "uan", "voicemail"),
)


@dataclass(frozen=True)
class _Region:
    """What ``is_valid_number`` consults for one region, compiled into ONE regex.

    ``pattern`` is the general description (a lookahead) followed by the alternation of
    every type description: a full match is ``_number_type_helper(nsn) != UNKNOWN``.
    One regex call instead of a dozen Python-level checks: 200,000 numbers went from
    ~0.7 s to ~0.15 s (benchmarks/RESULTS.md); tests/models/test_phones_match_phonenumbers.py proves
    it equal to the library.
    """

    leading_digits: re.Pattern[str] | None
    pattern: re.Pattern[str]

    def has_type(self, nsn: str) -> bool:
        """``_number_type_helper(nsn) != UNKNOWN``."""
        return self.pattern.fullmatch(nsn) is not None


def _region(metadata: Any) -> _Region:
    # Mobile first: a full match of the alternation does not depend on its order, and
    # recipients are mostly mobile numbers (India's: 780 -> 340 ns per number).
    names = _TYPES if metadata.same_mobile_and_fixed_line_pattern else ("mobile", *_TYPES)
    leading = metadata.leading_digits
    types = "|".join(f"(?:{_desc_regex(getattr(metadata, name))})" for name in names)
    general = _desc_regex(metadata.general_desc)
    return _Region(
        re.compile(leading) if leading is not None else None,
        re.compile(f"(?=(?:{general})\\Z)(?:{types})"),
    )


@cache
def _regions(code: int) -> tuple[_Region | None, ...]:
    """Per region of a calling code: its rules, or None where the library has no metadata."""
    return tuple(_region_named(code, name) for name in COUNTRY_CODE_TO_REGION_CODE.get(code, ()))


@cache
def _region_named(code: int, name: str) -> _Region | None:
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, name.upper())
    return _region(metadata) if metadata is not None else None


def _is_valid(regions: tuple[_Region | None, ...], nsn: str) -> bool:
    """``phonenumbers.is_valid_number`` for a national number, given its calling code's regions."""
    if len(regions) == 1:
        return regions[0] is not None and regions[0].has_type(nsn)
    for region in regions:  # which region the number belongs to, as region_code_for_number
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(nsn):
                return region.has_type(nsn)
        elif region.has_type(nsn):
            return True
    return False


@functools.lru_cache(maxsize=1 << 16)
def region_of(number: str) -> str | None:
    """The region (``US``, ``CA``…) of a number in canonical E.164, or None.

    As ``phonenumbers.region_code_for_number`` decides (+1 is shared by the US, Canada
    and the Caribbean), without parsing: tests/models/test_phones.py compares them.
    """
    code, nsn = split_country_code(number[1:])
    names = COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(names) <= 1:
        return names[0] if names else None
    for name in names:  # compiled as reached: a US number needs the US rules alone
        region = _region_named(code, name)
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(nsn):
                return name
        elif region.has_type(nsn):
            return name
    return None


def _slow(number: str) -> str:
    """E.164 through the full library, or ValueError with the reason."""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException as exc:
        raise ValueError(_PARSE_REASONS.get(exc.error_type, "is not a phone number")) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("has the wrong number of digits for its country")
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("is not a valid number in its country (no such number range)")
    result: str = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return result


_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "has no valid country calling code after '+'",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
    NumberParseException.TOO_SHORT_NSN: "is too short",
    NumberParseException.TOO_LONG: "is too long",
}


def normalize(number: str) -> str:
    """``number`` in E.164 (``+919800000001``); ValueError(reason) if it is not a real number.

    The reason is a phrase that follows the number ("is too short"), so callers can
    show the number masked or not as they must.
    """
    if type(number) is not str:
        return _normalize(number)  # not text, or a str subclass: never remembered
    known = _MEMO.get(number)
    if known is None:
        known = _remember(number)
    if isinstance(known, str):
        return known
    raise ValueError(known.reason)


def _remember(number: str) -> str | _Refused:
    """``_normalize``'s answer for ``number``, stored in the memo."""
    try:
        result: str | _Refused = _normalize(number)
    except ValueError as exc:
        result = _Refused(str(exc))
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[number] = result
    return result


def known_e164() -> Mapping[str, object]:
    """The memo of ``normalize``: a number's text -> its E.164 (a ``str``) or a refusal.

    For loops over many numbers: a ``str`` found here is exactly what ``normalize``
    returns for that text; anything else (absent, or a refusal) must go to ``normalize``.
    """
    return _MEMO


@dataclass(frozen=True)
class _Refused:
    reason: str


# normalize's answer per text, exactly as computed: audiences overlap (the benchmark's
# 1,000,000 recipients come from 200,000 customers), and a hit costs ~100 ns instead of
# ~0.8 us (fast path) or ~20 us (the library). Bounded; emptied when full. The results
# also share one string per number across campaigns, which saves memory.
_MEMO: dict[str, str | _Refused] = {}
_MEMO_MAX = 1 << 18


def _normalize(number: str) -> str:
    """``normalize`` without the memo."""
    if not isinstance(number, str):
        raise ValueError("is not text")
    if _COMPACT.fullmatch(number):
        fast = _fast(number)
        if fast is not None:
            return fast
    elif not WRITTEN_NUMBER.fullmatch(number):
        if not number.strip():
            raise ValueError("is empty")
        if number.strip() != number:
            raise ValueError("has spaces around it")
        if not number.startswith("+"):
            raise ValueError("does not start with '+' and a country calling code")
        raise ValueError("contains characters other than digits, spaces, '-', '.', '(' and ')'")
    return _slow(number)


def map_body_numbers(
    body: Mapping[str, Any],
    recipient: Callable[[str], str],
    sender: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """A deep copy of an API body, each recipient's ``to_number`` through ``recipient``.

    ``sender``, when given, maps each ``additional_settings.from_numbers`` entry too.
    Values that are not text are left as they are.
    """
    copied: dict[str, Any] = copy.deepcopy(dict(body))
    touchpoint = copied.get("touchpoint")
    if not isinstance(touchpoint, dict):
        return copied
    for item in touchpoint.get("customer_details") or []:
        if isinstance(item, dict) and isinstance(item.get("to_number"), str):
            item["to_number"] = recipient(item["to_number"])
    settings = touchpoint.get("additional_settings")
    numbers = settings.get("from_numbers") if isinstance(settings, dict) else None
    if sender is not None and isinstance(settings, dict) and isinstance(numbers, list):
        settings["from_numbers"] = [sender(n) if isinstance(n, str) else n for n in numbers]
    return copied
