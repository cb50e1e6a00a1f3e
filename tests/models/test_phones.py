"""phones.normalize: real numbers only, E.164 out, idempotent, reasons for refusals."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from reconciler.phones import normalize

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def is_e164(number: str) -> bool:
    """True if ``number`` is already a valid number in canonical E.164 form."""
    try:
        return normalize(number) == number
    except ValueError:
        return False


def _example(region: str) -> str | None:
    number = phonenumbers.example_number(region)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


EXAMPLES = [e for e in (_example(r) for r in REGIONS) if e is not None]


@pytest.mark.parametrize("region", REGIONS)
def test_example_number_of_every_region_is_accepted(region: str) -> None:
    """The library's example number of each region is valid, as E.164 and as formatted."""
    number = phonenumbers.example_number(region)
    if number is None:
        pytest.skip(f"the library has no example number for {region}")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    assert normalize(e164) == e164
    assert normalize(international) == e164


@given(st.sampled_from(EXAMPLES), st.lists(st.sampled_from([" ", "-", "."]), max_size=3))
def test_normalisation_is_idempotent(number: str, separators: list[str]) -> None:
    """normalize(normalize(x)) == normalize(x), whatever separators x had."""
    written = number[:3] + "".join(separators) + number[3:]
    once = normalize(written)
    assert normalize(once) == once
    assert is_e164(once)


@given(st.text(alphabet="0123456789", min_size=1, max_size=16))
def test_result_is_always_compact_e164(digits: str) -> None:
    """Anything accepted comes back as '+' and digits, and is accepted again unchanged."""
    try:
        result = normalize("+" + digits)
    except ValueError:
        return
    assert result.startswith("+") and result[1:].isdigit()
    assert normalize(result) == result


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "is empty"),
        ("919800000001", r"does not start with '\+'"),
        ("009198000000", r"does not start with '\+'"),
        (" +919800000001", "has spaces around it"),
        ("+1 800 FLOWERS", "contains characters other than digits"),
        ("+44 7911 123456 ext. 12", "contains characters other than digits"),
        ("+9198000", "wrong number of digits"),
        ("+999123456789", "no valid country calling code"),
        ("+91980000000012345678", "too long"),
        ("+1", "is not a phone number"),
        ("+91 980 00", "wrong number of digits for its country"),
        ("+1 201 055 0123", "not a valid number in its country"),
    ],
)
def test_refusals_say_why(number: str, reason: str) -> None:
    """A number that is not real raises ValueError with a reason that follows the number."""
    with pytest.raises(ValueError, match=reason):
        normalize(number)


def test_national_prefix_written_after_country_code_is_normalised() -> None:
    """'+44 0…' (a trunk 0 kept by mistake) is the library's decision, not the fast path's."""
    assert normalize("+4407911123456") == phonenumbers.format_number(
        phonenumbers.parse("+4407911123456"), PhoneNumberFormat.E164
    )
