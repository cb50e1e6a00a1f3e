"""What a campaign costs (PRODUCT section 10): pure, exact decimals, rounded only for display.

A campaign's estimate is its recipients grouped by the market of their calling code (the
rate card's own codes, longest prefix first), times the price of its template's category
(the catalogue's; ``marketing`` without a catalogue or when the template is not in it).
Recipients in no market are counted as unpriced. ``estimate_campaign`` is the one entry
point for one campaign, ``total_cost`` for many.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from reconciler.models.catalog import Catalog
from reconciler.models.params import whatsapp_data
from reconciler.models.rate_card import CATEGORIES, MINOR_UNITS, RateCard
from reconciler.models.template_checks import template_of
from reconciler.phones import region_of

DEFAULT_CATEGORY = "marketing"
# Meta does not deliver marketing templates to numbers of this region.
NO_MARKETING_REGION = "US"
_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£", "BRL": "R$", "IDR": "Rp "}


@dataclass(frozen=True)
class CampaignCost:
    """One campaign's estimate: exact ``amount`` in ``currency``, per-market counts.

    ``markets``: recipients per market the card prices; ``unpriced``: recipients whose
    calling code is in no market of the card (not in ``amount``).
    """

    currency: str
    amount: Decimal
    category: str
    markets: Mapping[str, int]
    unpriced: int = 0


@dataclass(frozen=True)
class PlanCost:
    """The estimate of a whole plan's creates, and the card it comes from."""

    currency: str
    total: Decimal
    rate_card_date: str
    rate_card_file: str
    unpriced: int = 0


def recipient_numbers(body: Mapping[str, Any]) -> list[str]:
    """Each recipient's ``to_number`` of an API body (canonical E.164)."""
    touchpoint = body.get("touchpoint")
    details = touchpoint.get("customer_details") if isinstance(touchpoint, Mapping) else None
    if not isinstance(details, list):
        return []
    try:  # a validated body: every recipient a mapping with a text to_number (C-speed)
        numbers = list(map(_TO_NUMBER, details))
        if all(map(str.__instancecheck__, numbers)):  # isinstance(n, str) for each, in C
            return numbers
    except (KeyError, TypeError):
        pass
    found = (item.get("to_number") if isinstance(item, Mapping) else None for item in details)
    return [number for number in found if isinstance(number, str)]


_TO_NUMBER = operator.itemgetter("to_number")


def template_category(body: Mapping[str, Any], catalog: Catalog | None) -> str:
    """The price column of a body's message: its template's category, else ``marketing``."""
    wa = whatsapp_data(body)
    template = template_of(wa, catalog) if catalog is not None and wa is not None else None
    category = template.category.lower() if template is not None else DEFAULT_CATEGORY
    return category if category in CATEGORIES else DEFAULT_CATEGORY


def estimate_campaign(
    body: Mapping[str, Any], card: RateCard, catalog: Catalog | None = None
) -> CampaignCost:
    """The estimate of one campaign (its API body): recipients x price, per market."""
    return estimate_numbers(recipient_numbers(body), template_category(body, catalog), card)


def estimate_numbers(numbers: Sequence[str], category: str, card: RateCard) -> CampaignCost:
    """``estimate_campaign`` of recipients' numbers and the price column of their message."""
    # Numbers are counted by their first digits (as long as the card's longest code), in
    # C; only each distinct prefix is looked up: 100 recipients, a few dozen lookups.
    prefixes = Counter(map(operator.itemgetter(slice(0, card.longest_code + 1)), numbers))
    counts: Counter[str | None] = Counter()
    for prefix, n in prefixes.items():
        counts[card.market_of(prefix)] += n
    unpriced = counts.pop(None, 0)
    markets = {str(m): n for m, n in sorted(counts.items(), key=lambda item: str(item[0]))}
    amount = sum((card.prices[m][category] * n for m, n in markets.items()), Decimal(0))
    return CampaignCost(card.currency, amount, category, markets, unpriced)


def total_cost(costs: Iterable[CampaignCost], card: RateCard) -> PlanCost:
    """The sum of campaigns' estimates, exact."""
    listed = list(costs)
    total = sum((c.amount for c in listed), Decimal(0))
    unpriced = sum(c.unpriced for c in listed)
    return PlanCost(card.currency, total, card.effective, card.file, unpriced)


def no_marketing_recipients(numbers: Iterable[str]) -> int:
    """How many of these numbers are in the region Meta sends no marketing to (+1 US)."""
    return sum(1 for n in numbers if n.startswith("+1") and region_of(n) == NO_MARKETING_REGION)


def exact(amount: Decimal) -> str:
    """An amount as an exact decimal string (JSON): every digit, never an exponent."""
    return format(amount, "f")


def rounded(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to the currency's minor unit: once, for display."""
    places = MINOR_UNITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def money(amount: Decimal, currency: str) -> str:
    """An amount as people read it: ``₹3,300.00``, ``KWD 1.250``."""
    shown = f"{rounded(amount, currency):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{shown}" if symbol else f"{currency} {shown}"
