"""The rate card and the cost model (PRODUCT section 10): pure, exact, rounded once."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest

from reconciler.models.catalog import parse_catalog
from reconciler.models.cost import (
    estimate_campaign,
    exact,
    money,
    no_marketing_recipients,
    rounded,
    total_cost,
)
from reconciler.models.rate_card import RateCard, parse_rate_card
from reconciler.phones import region_of

CARD = """\
# effective: 2025-07-01
market,calling_codes,currency,marketing,utility,authentication
India,91,INR,0.7846,0.1150,0.1150
North America,1,INR,2.10,0.30,1.15
Bahamas,1242,INR,3.00,0.50,1.00
Rest of world,*,INR,6.00,1.50,3.00
"""


def _records(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out, start = [], 1
    for record in reader:
        out.append((start, record))
        start = reader.line_num + 1
    return out


def card_of(text: str = CARD) -> RateCard:
    card, problems = parse_rate_card("rates.csv", _records(text))
    assert card is not None, problems
    return card


def body(*numbers: str, template: str | None = None) -> dict[str, Any]:
    wa = {"template": template, "language_code": "en"} if template else {"whatsapp_body": "hi"}
    details = [{"id": f"c{i}", "to_number": n} for i, n in enumerate(numbers)]
    return {"touchpoint": {"customer_details": details, "whatsapp_data": wa}}


def test_a_good_card_reads_its_date_currency_markets_and_exact_prices() -> None:
    card = card_of()
    assert (card.effective, card.currency, card.wildcard) == ("2025-07-01", "INR", "Rest of world")
    assert card.prices["India"]["marketing"] == Decimal("0.7846")
    assert card.codes == {"91": "India", "1": "North America", "1242": "Bahamas"}


def test_the_longest_calling_code_wins_and_star_takes_the_rest() -> None:
    card = card_of()
    assert card.market_of("+12425550123") == "Bahamas"
    assert card.market_of("+14155550123") == "North America"
    assert card.market_of("+919812345601") == "India"
    assert card.market_of("+447911123456") == "Rest of world"
    without_star = card_of(CARD.replace("Rest of world,*,INR,6.00,1.50,3.00\n", ""))
    assert without_star.market_of("+447911123456") is None


def test_an_estimate_is_recipients_times_the_category_price_per_market() -> None:
    card = card_of()
    cost = estimate_campaign(body("+919812345601", "+919812345602", "+14155550123"), card)
    assert cost.category == "marketing"  # no catalogue: marketing
    assert cost.markets == {"India": 2, "North America": 1}
    assert cost.amount == Decimal("0.7846") * 2 + Decimal("2.10")
    assert exact(cost.amount) == "3.6692"


def test_the_catalogues_category_prices_the_message_and_an_unknown_template_is_marketing() -> None:
    export = {
        "data": [
            {
                "name": "receipt",
                "language": "en",
                "status": "APPROVED",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Paid"}],
            }
        ]
    }
    catalog, _ = parse_catalog("t.json", export)
    card = card_of()
    utility = estimate_campaign(body("+919812345601", template="receipt"), card, catalog)
    assert (utility.category, utility.amount) == ("utility", Decimal("0.1150"))
    other = estimate_campaign(body("+919812345601", template="nope"), card, catalog)
    assert (other.category, other.amount) == ("marketing", Decimal("0.7846"))


def test_recipients_in_no_market_are_counted_as_unpriced_and_left_out() -> None:
    card = card_of(CARD.replace("Rest of world,*,INR,6.00,1.50,3.00\n", ""))
    cost = estimate_campaign(body("+919812345601", "+447911123456", "+33612345678"), card)
    assert (cost.unpriced, cost.amount) == (2, Decimal("0.7846"))
    total = total_cost([cost, cost], card)
    assert (total.total, total.unpriced, total.rate_card_date) == (
        Decimal("1.5692"),
        4,
        "2025-07-01",
    )


def test_money_is_rounded_half_even_to_the_minor_unit_once_for_display() -> None:
    assert rounded(Decimal("0.125"), "INR") == Decimal("0.12")
    assert rounded(Decimal("0.135"), "INR") == Decimal("0.14")
    assert rounded(Decimal("2.5"), "JPY") == Decimal("2")
    assert rounded(Decimal("1.2345"), "KWD") == Decimal("1.234")
    assert money(Decimal("3300"), "INR") == "₹3,300.00"
    assert money(Decimal("1234.5"), "KWD") == "KWD 1,234.500"
    # Summed exactly, then rounded: 1,000 messages at 0.0045 are 4.50, not 1,000 x 0.00.
    many = sum([Decimal("0.0045")] * 1000, Decimal(0))
    assert money(many, "USD") == "$4.50"


def test_us_numbers_are_found_as_phonenumbers_finds_their_region() -> None:
    numbers = ["+14155550123", "+16135550123", "+12425550123", "+17875550123", "+919812345601"]
    for number in numbers:
        assert region_of(number) == phonenumbers.region_code_for_number(phonenumbers.parse(number))
    assert no_marketing_recipients(numbers) == 1  # Canada, Bahamas, Puerto Rico: not US


BAD = [
    ("market,calling_codes\n", 1, "the first line must give the card's date"),
    ("# effective: 2025-13-01\n" + CARD.split("\n", 1)[1], 1, "is not a date"),
    ("# effective: 2025-07-01\nmarket,calling_codes,currency,marketing\n", 2, "the header lacks"),
    (CARD.replace("0.7846", "-0.7846"), 3, "marketing price -0.7846 is negative"),
    (CARD.replace("0.7846", "cheap"), 3, "marketing price 'cheap' is not a number"),
    (CARD.replace("India,91,INR", "India,91,RUP"), 3, "unknown currency 'RUP'"),
    (CARD.replace("India,91,INR", "India,91,USD"), 3, "USD differs from INR, that of 3 other"),
    (CARD.replace("Bahamas,1242", "Bahamas,1"), 5, "calling code 1 is in two markets"),
    (CARD.replace("Bahamas,1242", "Bahamas,*"), 6, "calling code * is in two markets"),
    (CARD.replace("India,91,", "India,+91,"), 3, "calling code '+91' is not digits"),
    (CARD.replace("India,91,INR,", "India,91,INR,1,"), 3, "expected 6 columns, found 7"),
    (CARD.replace("Bahamas", "India"), 5, "market 'India' is listed twice"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_card_is_every_problem_at_its_line(text: str, line: int, message: str) -> None:
    card, problems = parse_rate_card("rates.csv", _records(text))
    assert card is None
    assert any(p.line == line and message in p.message for p in problems), problems


def test_a_wrong_first_currency_is_the_one_row_named() -> None:
    """The rows in the currency most rows use are right, though the first row is not."""
    _, problems = parse_rate_card(
        "rates.csv", _records(CARD.replace("India,91,INR", "India,91,USD"))
    )
    assert [(p.line, p.message) for p in problems] == [
        (3, "currency USD differs from INR, that of 3 other rows: one currency per card")
    ]


def test_currencies_without_a_majority_are_one_problem_naming_each_and_its_lines() -> None:
    text = CARD.replace("India,91,INR", "India,91,USD").replace(
        "Bahamas,1242,INR", "Bahamas,1242,USD"
    )
    card, problems = parse_rate_card("rates.csv", _records(text))
    assert card is None
    assert [(p.line, p.message) for p in problems] == [
        (4, "currencies USD (lines 3, 5) and INR (lines 4, 6) are mixed: one currency per card")
    ]


def test_a_card_saved_by_a_spreadsheet_reads_the_same() -> None:
    """Comment and blank rows padded with commas, CRLF line ends."""
    lines = CARD.splitlines()
    padded = [lines[0] + ",,,,,", *lines[1:3], ",,,,,", *lines[3:]]
    assert card_of("\r\n".join(padded) + "\r\n") == card_of()


def test_comments_and_extra_columns_are_ignored() -> None:
    text = CARD.replace("authentication\n", "authentication,service\n", 1)
    text = text.replace(",0.1150\n", ",0.1150,0\n").replace(",3.00\n", ",3.00,0\n")
    text = text.replace(",1.15\n", ",1.15,0\n").replace(",1.00\n", ",1.00,0\n")
    text = text.replace("market,", "# prices per message\nmarket,", 1)
    assert card_of(text).prices == card_of().prices
