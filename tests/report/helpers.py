"""What the report tests share: a page's visible text, and the phone numbers found in it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import phonenumbers

# Regions whose national formats the scan also tries (numbers written without "+").
SCAN_REGIONS = ("IN", "GB", "US", "NO", "DE", "BR", "ID")


def visible_text(page: str) -> str:
    """The page's text as a reader sees it (tags and the style sheet removed)."""
    text = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def phone_numbers_in(text: str, regions: Iterable[str] = SCAN_REGIONS) -> set[str]:
    """Every valid phone number the phone library finds in ``text``, in E.164."""
    found = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            found.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return found


def national_digits(number: str) -> str:
    """The national significant number of an E.164 number (``+919812345601`` -> ``98...``)."""
    return str(phonenumbers.parse(number).national_number)
