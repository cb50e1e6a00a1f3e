"""The fast phone path answers exactly what phonenumbers answers, on every region's numbers."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS, SUPPORTED_REGIONS

from reconciler import phones
from reconciler.phones import _is_valid, _normalize, _regions, normalize

VARIANTS_PER_EXAMPLE = 25
DIGITS = "0123456789"


def reference(number: str) -> str | None:
    """What the library says: the E.164 form of a valid number, None for anything else."""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    result: str = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return result


def ours(number: str) -> str | None:
    """The computed answer (``_normalize``: the memo in front of it is tested on its own)."""
    try:
        return _normalize(number)
    except ValueError:
        return None


def memo(number: str) -> str:
    """``normalize`` (through the memo): the E.164 text, or the reason it was refused."""
    try:
        return normalize(number)
    except ValueError as exc:
        return f"refused: {exc}"


def _examples() -> list[phonenumbers.PhoneNumber]:
    """The library's own example number of every type of every region and non-geo code."""
    found = []
    for region in sorted(SUPPORTED_REGIONS):
        for kind in sorted(PhoneNumberType.values()):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(example)
    for code in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(example)
    return found


def _damaged(rng: random.Random, nsn: str) -> str:
    """A near miss of a national number: one digit short, one long, or another first digit."""
    roll = rng.random()
    if roll < 0.3:
        return nsn[:-1]
    if roll < 0.6:
        return nsn + rng.choice(DIGITS)
    return rng.choice(DIGITS) + nsn[1:]


def _sample(seed: int) -> list[str]:
    """Example numbers with their last digits varied (mostly valid) and their near misses."""
    rng = random.Random(seed)
    numbers = []
    for example in _examples():
        code, nsn = example.country_code, phonenumbers.national_significant_number(example)
        numbers.append(f"+{code}{nsn}")
        for _ in range(VARIANTS_PER_EXAMPLE):
            varied = rng.randint(1, min(6, len(nsn)))
            variant = nsn[:-varied] + "".join(rng.choice(DIGITS) for _ in range(varied))
            numbers.append(f"+{code}{variant}")
            numbers.append(f"+{code}{_damaged(rng, variant)}")
    for _ in range(5_000):  # random digits under calling codes shared by several regions
        code = rng.choice([1, 7, 39, 44, 47, 61, 212, 262, 290, 358, 590, 599, 800, 882, 883])
        numbers.append(f"+{code}{rng.randrange(10 ** rng.randint(1, 15))}")
    return numbers


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return _sample(seed=20271028)


@pytest.fixture(scope="module")
def truth(sample: list[str]) -> dict[str, str | None]:
    """The library's verdict on every number of the sample, computed once."""
    return {number: reference(number) for number in sample}


def test_sample_is_large_and_mixed(truth: dict[str, str | None]) -> None:
    """Over 50,000 numbers, many valid and many not, valid ones in over 200 regions."""
    valid = [phonenumbers.parse(v) for v in truth.values() if v is not None]
    assert len(truth) > 50_000
    assert 0.25 < len(valid) / len(truth) < 0.75
    assert len({phonenumbers.region_code_for_number(n) for n in valid}) > 200


def test_normalize_equals_the_library_on_every_number(truth: dict[str, str | None]) -> None:
    """normalize accepts exactly the numbers the library validates, with the same E.164."""
    mismatches = [(n, ours(n), want) for n, want in truth.items() if ours(n) != want]
    assert mismatches == []


def _library_is_valid(code: int, nsn: str) -> bool:
    """``is_valid_number`` of the number whose national significant number is ``nsn``."""
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
    if len(nsn) > 1 and nsn[0] == "0":
        number.italian_leading_zero = True
        zeros = len(nsn) - len(nsn.lstrip("0"))
        number.number_of_leading_zeros = min(zeros, len(nsn) - 1)
    assert phonenumbers.national_significant_number(number) == nsn
    return bool(phonenumbers.is_valid_number(number))


def test_compiled_validity_equals_is_valid_number(truth: dict[str, str | None]) -> None:
    """The fast path's own check accepts and refuses exactly what is_valid_number does.

    normalize falls back to the library when the fast path says no, so this is what
    catches a fast path that wrongly refuses (only slower) as well as one that accepts.
    """
    mismatches = []
    for number, want in truth.items():
        code = phonenumbers.parse(want).country_code if want else 0
        for candidate in {code, int(number[1:2]), int(number[1:3]), int(number[1:4])}:
            nsn = number[1 + len(str(candidate)) :]
            known = candidate in phonenumbers.COUNTRY_CODE_TO_REGION_CODE and nsn
            if known and _is_valid(_regions(candidate), nsn) != _library_is_valid(candidate, nsn):
                mismatches.append((candidate, nsn))
    assert mismatches == []


def test_formatted_numbers_agree_with_the_library(
    sample: list[str], truth: dict[str, str | None]
) -> None:
    """Spaces and dashes (the slow path) give the same answer as the compact form."""
    rng = random.Random(7)
    for number in rng.sample(sample, 3_000):
        cut = rng.randint(3, max(3, len(number) - 2))
        spaced = number[:cut] + rng.choice([" ", "-", " (", "."]) + number[cut:]
        if "(" in spaced:
            spaced += ")"
        assert ours(spaced) == reference(spaced) or reference(spaced) is None, spaced
        assert ours(spaced) in (None, truth[number])


def test_memo_answers_exactly_what_it_computed(
    sample: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first and every later call agree (results and reasons), and the memo is bounded."""
    monkeypatch.setattr(phones, "_MEMO", {})
    monkeypatch.setattr(phones, "_MEMO_MAX", 5_000)
    picked = random.Random(3).sample(sample, 12_000)
    first = [memo(n) for n in picked]
    assert 0 < len(phones._MEMO) <= 5_000
    again = [memo(n) for n in reversed(picked)][::-1]
    assert first == again
    for number, answer in zip(picked, first, strict=True):
        computed = ours(number)
        if computed is None:
            with pytest.raises(ValueError) as refused:
                _normalize(number)
            assert answer == f"refused: {refused.value}"
        else:
            assert answer == computed
    assert any(a.startswith("refused: ") for a in first)
    assert any(not a.startswith("refused: ") for a in first)


def test_memo_keeps_only_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """A str subclass or a non-text value is answered but never remembered."""

    class Text(str):
        __slots__ = ()

    monkeypatch.setattr(phones, "_MEMO", {})
    assert normalize(Text("+919800000001")) == "+919800000001"
    with pytest.raises(ValueError, match="not text"):
        normalize(919800000001)  # type: ignore[arg-type]
    assert phones._MEMO == {}
    assert normalize("+919800000001") == "+919800000001"
    assert list(phones._MEMO) == ["+919800000001"]
