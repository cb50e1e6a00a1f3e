"""The one masking function: ids pass, recipients' numbers are masked, senders are shown."""

from __future__ import annotations

import hashlib

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.api.classify import scrub
from reconciler.masking import Senders, mask_phone, mask_text, sender_digits

SENDER = "+919800000001"
SENDERS = Senders.of({"touchpoint": {"additional_settings": {"from_numbers": [SENDER]}}})

# Real numbers of every region the library knows (mobile examples), in E.164.
_EXAMPLES = sorted(
    {
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        for region in phonenumbers.SUPPORTED_REGIONS
        if (n := phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE))
    }
)
e164 = st.sampled_from(_EXAMPLES) | st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)

# Words, spaces and punctuation around a number, as messages, logs and tables put them.
_AROUND = "abcxyzABC _-:;,.!?'\"()[]{}<>=/|#@\t\n"
before = st.text(_AROUND).filter(lambda t: not t.endswith("+"))
after = st.text(_AROUND)
# Around a bare number (``phone_format: digits``): it must stand alone to be one.
bare_before = st.text(_AROUND) | st.text(_AROUND).map(lambda t: t + " ")
bare_before = bare_before.filter(lambda t: not t or t[-1] in " :;,!?'\"([{<=/|#\t\n")
bare_after = st.text(_AROUND).filter(lambda t: not t or t[0] in " :;,.!?'\")]}>=/|#\t\n")

uuids = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
uuid_like = st.from_regex(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", fullmatch=True
)
all_digit_uuid = st.from_regex(r"[0-9]{8}-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{12}", fullmatch=True)
hex_ids = st.binary(min_size=1).map(lambda b: hashlib.sha256(b).hexdigest())  # fingerprints
ids = st.one_of(
    uuids,
    uuid_like,
    all_digit_uuid,
    st.uuids().map(lambda u: u.hex),
    hex_ids,
    st.from_regex(r"(cmp|ctx|camp|id)[-_][0-9]{8,15}", fullmatch=True),  # campaign and ctx ids
    st.from_regex(r"[a-z]{1,6}[0-9]{8,20}[a-z0-9]{0,6}", fullmatch=True),  # digits inside an id
    st.from_regex(r"[0-9]{8,15}[a-z_][a-z0-9]{0,6}", fullmatch=True),
    st.from_regex(r"[0-9]{8,15}-[0-9a-z]{1,8}", fullmatch=True),
    st.from_regex(r"[0-9]{16,30}", fullmatch=True),  # a long numeric id is no number
)


@given(ids, st.text(_AROUND), st.text(_AROUND))
def test_ids_pass_through_unmasked(an_id: str, left: str, right: str) -> None:
    """UUIDs, ctx_ids, campaign ids, digests and ids with digits in them are never masked."""
    text = f"{left} {an_id} {right}"
    assert mask_text(text) == text


@given(st.lists(uuids, min_size=1, max_size=4))
def test_sandbox_ctx_ids_in_a_client_message_pass(ctx_ids: list[str]) -> None:
    """The client's "earlier ctx_ids" list is kept whole."""
    text = f"HTTP 429; gave up after 5 attempts (earlier ctx_ids: {', '.join(ctx_ids)})"
    assert scrub(text, "a-secret-token") == text


@given(before, e164, after)
def test_a_recipient_number_anywhere_in_text_is_masked(left: str, number: str, right: str) -> None:
    """An E.164 number among any words and punctuation never shows whole."""
    assert mask_text(left + number + right) == left + mask_phone(number) + right


@given(bare_before, e164, bare_after)
def test_a_bare_recipient_number_standing_alone_is_masked(
    left: str, number: str, right: str
) -> None:
    """A number without "+" (``phone_format: digits``) is masked when it stands alone."""
    digits = number[1:]
    assume(len(digits) >= 8)  # shorter bare runs are counts and codes, not numbers
    assert mask_text(left + digits + right) == left + mask_phone(digits) + right


@given(before, e164, after)
def test_sender_numbers_are_shown_and_recipients_masked(
    left: str, recipient: str, right: str
) -> None:
    """A sender number of the bodies at hand is shown; a recipient beside it is not."""
    text = f"{left} from {SENDER} ({SENDER[1:]}) to {recipient}{right}"
    masked = mask_text(text, senders=SENDERS)
    assert f"from {SENDER} ({SENDER[1:]}) to" in masked
    if recipient != SENDER:
        assert recipient not in masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ctx 34567892-1b07-4a2b-9c3d-123456789012", "ctx 34567892-1b07-4a2b-9c3d-123456789012"),
        ("number +447911123456 is not on WhatsApp", "number +44********56 is not on WhatsApp"),
        ("to_number: 447911123456.", "to_number: 44********56."),
        ("  - to_number: '+44 7911 123-456'", "  - to_number: '+44********56'"),
        ("  - to_number: 98123 45678", "  - to_number: 98******78"),
        ("+447911123456 2027-10-28", "+44********56 2027-10-28"),  # the date stays
        ("+447911123456 447911123457", "+44********56 44********57"),  # both masked
        ("start 2027-10-28T10:00:00+05:30, 4,210 recipients", None),
        ("v1.123456789 or 12345678.5 or cmp_123456789012", None),
        ("+44 (0)7911 123456", "+44*********56"),
    ],
)
def test_what_counts_as_a_number(text: str, expected: str | None) -> None:
    """The rules of the module docstring, by example (None: unchanged)."""
    assert mask_text(text) == (text if expected is None else expected)


def test_sender_digits_match_however_the_sender_was_written() -> None:
    """A sender written with spaces is the same sender as its E.164 form, in any notation."""
    body = {"touchpoint": {"additional_settings": {"from_numbers": ["+91 98000-00001", 5]}}}
    assert sender_digits(body) == {"919800000001"}
    shown = mask_text("from +919800000001", senders=Senders.of(body))
    assert shown == "from +919800000001"


def test_senders_are_gathered_only_when_a_number_shows_up() -> None:
    """A plan's bodies are not decoded to mask a message that holds no number."""
    asked: list[int] = []

    def bodies() -> list[None]:
        asked.append(1)
        return []

    senders = Senders(bodies)
    mask_text("campaign diwali-vip: HTTP 400 (ctx 1b07)", senders=senders)
    assert asked == []
    mask_text("number +447911123456", senders=senders)
    mask_text("number +447911123457", senders=senders)
    assert asked == [1]
