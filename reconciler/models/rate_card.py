"""The rate card (PRODUCT section 10) as a plain value, and its reading from CSV records.

A first line ``# effective: YYYY-MM-DD``; a header naming ``market``, ``calling_codes``,
``currency`` and one price column per template category; one row per market. Calling
codes are digits without ``+``, separated by spaces, each in one market only; ``*``
makes a market the one for every code no other lists. Prices are exact decimals.
``parse_rate_card`` gives the card or every problem at its line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from reconciler.errors import Diagnostic, SourceLocation
from reconciler.words import count, first_of

CATEGORIES = ("marketing", "utility", "authentication")
COLUMNS = ("market", "calling_codes", "currency", *CATEGORIES)
WILDCARD = "*"
_CODES = "calling_codes"
_EFFECTIVE = re.compile(r"#\s*effective:\s*(\S+)\s*")
_PRICE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CODE = re.compile(r"[0-9]{1,6}")

# ISO 4217 (active codes) and their minor units: 2 unless listed.
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
_NO_MINOR = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
CURRENCIES = frozenset(_ISO_4217.split())
MINOR_UNITS = {
    **dict.fromkeys(_NO_MINOR.split(), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


@dataclass(frozen=True)
class CardProblem:
    """A problem of a rate card: its line (1-based), message, hint and the column it is
    in (``field``: its name in the header; "" for a problem of the line or the file)."""

    line: int
    message: str
    hint: str = ""
    field: str = ""

    def at(self, file: str) -> Diagnostic:
        """This problem as a diagnostic of the card ``file``, at its line."""
        return Diagnostic(SourceLocation(file, self.line), self.message, self.field, self.hint)


@dataclass(frozen=True)
class RateCard:
    """Prices per market and category, the codes of each market, the card's date.

    ``codes``: calling code (digits) -> market; ``wildcard``: the market of ``*``.
    """

    file: str
    effective: str
    currency: str
    prices: Mapping[str, Mapping[str, Decimal]]  # market -> category -> price
    codes: Mapping[str, str]
    wildcard: str | None = None
    _memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @functools.cached_property
    def _lengths(self) -> tuple[int, ...]:
        return tuple(sorted({len(code) for code in self.codes}, reverse=True))

    @property
    def longest_code(self) -> int:
        """Digits of the longest calling code listed (0 without any)."""
        return self._lengths[0] if self._lengths else 0

    def market_of(self, number: str) -> str | None:
        """The market of an E.164 number (or its first digits): its longest listed calling
        code, else ``*``'s; None when neither."""
        known = self._memo.get(number, "")
        if known != "":
            return known
        digits = number[1:] if number.startswith("+") else number
        market = self.wildcard
        for length in self._lengths:
            found = self.codes.get(digits[:length])
            if found is not None:
                market = found
                break
        if len(self._memo) < 1 << 16:
            self._memo[number] = market
        return market


Record = tuple[int, Sequence[str]]  # a CSV record and the line it starts on


def parse_rate_card(
    file: str, records: Sequence[Record]
) -> tuple[RateCard | None, list[CardProblem]]:
    """The card of a CSV file's records (comment lines included), or None and every problem."""
    if not records:
        return None, [CardProblem(1, "the rate card is empty", _EFFECTIVE_HINT)]
    effective, problems = _effective(records[0])
    rows = [(line, cells) for line, cells in records[1:] if not _is_comment(cells)]
    if not rows:
        return None, [*problems, CardProblem(records[0][0], "the rate card has no header", _HEADER)]
    header_line, header = rows[0]
    names = [cell.strip().lower() for cell in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        message = f"the header lacks {', '.join(missing)}"
        return None, [*problems, CardProblem(header_line, message, _HEADER)]
    builder = _Builder(names)
    for line, cells in rows[1:]:
        if any(cell.strip() for cell in cells):
            builder.add(line, cells)
    problems += sorted(builder.problems + builder.mixed_currencies(), key=lambda p: p.line)
    if not builder.prices and not problems:
        problems.append(CardProblem(header_line, "the rate card has no market", _ROW))
    if problems:
        return None, problems
    currency = next(iter(builder.currencies), "")
    return RateCard(file, effective, currency, builder.prices, builder.codes, builder.wildcard), []


_EFFECTIVE_HINT = "the first line is the card's date: # effective: YYYY-MM-DD"
_HEADER = f"the header names the columns: {','.join(COLUMNS)}"
_ROW = "one row per market: India,91,INR,0.7846,0.1150,0.1150"


_ONE = "one currency per card"


def _lines(lines: Sequence[int]) -> str:
    """``line 4`` or ``lines 4, 7, 9`` (the first five, then how many more)."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    return "lines " + first_of([str(line) for line in lines])


def _is_comment(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].lstrip().startswith("#")


def _effective(first: Record) -> tuple[str, list[CardProblem]]:
    line, cells = first
    match = _EFFECTIVE.fullmatch(",".join(cells).rstrip(", "))  # a spreadsheet pads commas
    if match is None:
        return "", [CardProblem(line, "the first line must give the card's date", _EFFECTIVE_HINT)]
    try:
        return date.fromisoformat(match.group(1)).isoformat(), []
    except ValueError:
        message = f"effective date {match.group(1)!r} is not a date (YYYY-MM-DD)"
        return "", [CardProblem(line, message, _EFFECTIVE_HINT)]


class _Builder:
    """The markets of the rows read so far, and the problems of the rows."""

    def __init__(self, names: Sequence[str]) -> None:
        self.index = {name: names.index(name) for name in COLUMNS}
        self.width = len(names)
        self.prices: dict[str, dict[str, Decimal]] = {}
        self.codes: dict[str, str] = {}
        self.wildcard: str | None = None
        self.currencies: dict[str, list[int]] = {}  # each known currency -> its rows' lines
        self.problems: list[CardProblem] = []

    def add(self, line: int, cells: Sequence[str]) -> None:
        if len(cells) != self.width:
            message = f"expected {self.width} columns, found {len(cells)}"
            self.problems.append(CardProblem(line, message, _ROW))
            return
        cell = {name: cells[i].strip() for name, i in self.index.items()}
        market = cell["market"]
        found = len(self.problems)
        if not market or market in self.prices:
            said = "a market needs a name" if not market else f"market {market!r} is listed twice"
            self.problems.append(CardProblem(line, said, _ROW, "market"))
        self._currency(line, cell["currency"])
        prices = {c: self._price(line, c, cell[c]) for c in CATEGORIES}
        codes = self._codes(line, market, cell["calling_codes"])
        if len(self.problems) == found:
            self.prices[market] = {c: p for c, p in prices.items() if p is not None}
            self.codes.update(dict.fromkeys((c for c in codes if c != WILDCARD), market))
            self.wildcard = market if WILDCARD in codes else self.wildcard

    def _currency(self, line: int, code: str) -> None:
        if code not in CURRENCIES:
            hint = "an ISO 4217 code in capitals, e.g. INR, USD, EUR"
            self.problems.append(CardProblem(line, f"unknown currency {code!r}", hint, "currency"))
        else:
            self.currencies.setdefault(code, []).append(line)

    def mixed_currencies(self) -> list[CardProblem]:
        """A card has one currency: each row not in the one most rows use, at its line.

        Not against the first row's: a wrong first row would mark every right row. When
        no currency has the most rows, one problem names each currency and its lines.
        """
        if len(self.currencies) < 2:
            return []
        ranked = sorted(self.currencies.items(), key=lambda item: -len(item[1]))
        (most, most_lines), (_, next_lines) = ranked[0], ranked[1]
        hint = "convert every price to one currency"
        if len(most_lines) > len(next_lines):
            that_of = f"that of {count(len(most_lines), 'other row')}"
            return [
                CardProblem(
                    line,
                    f"currency {code} differs from {most}, {that_of}: {_ONE}",
                    hint,
                    "currency",
                )
                for code, lines in ranked[1:]
                for line in lines
            ]
        listed = [f"{code} ({_lines(lines)})" for code, lines in self.currencies.items()]
        where = min(lines[0] for lines in list(self.currencies.values())[1:])
        message = f"currencies {', '.join(listed[:-1])} and {listed[-1]} are mixed: {_ONE}"
        return [CardProblem(where, message, hint, "currency")]

    def _price(self, line: int, category: str, text: str) -> Decimal | None:
        if _PRICE.fullmatch(text):
            return Decimal(text)
        hint = "a price per message, a decimal number such as 0.7846"
        if text.startswith("-") and _PRICE.fullmatch(text[1:]):
            message = f"{category} price {text} is negative"
        else:
            message = f"{category} price {text!r} is not a number"
        self.problems.append(CardProblem(line, message, hint, category))
        return None

    def _codes(self, line: int, market: str, text: str) -> list[str]:
        codes = text.split()
        hint = "calling codes are digits without +, separated by spaces (e.g. 1 44), or *"
        if not codes:
            message = f"market {market!r} has no calling code"
            self.problems.append(CardProblem(line, message, hint, _CODES))
        for code in codes:
            other = self.wildcard if code == WILDCARD else self.codes.get(code)
            if code != WILDCARD and not _CODE.fullmatch(code):
                message = f"calling code {code!r} is not digits"
                self.problems.append(CardProblem(line, message, hint, _CODES))
            elif other is not None:
                message = f"calling code {code} is in two markets: {other} and {market}"
                hint = "list each code in one market"
                self.problems.append(CardProblem(line, message, hint, _CODES))
        return codes


def rate_card_schema() -> dict[str, Any]:
    """A description of the rate card's columns (schemas/rate-card.schema.json).

    The file is CSV; the schema describes one row as an object, for tools that convert
    the CSV to JSON records (and as documentation of the format).
    """
    price = {"type": "string", "pattern": f"^{_PRICE.pattern}$", "description": "Per message."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:reconciler:schemas:rate-card",
        "title": "rate card (CSV): one row per market",
        "description": "First line: # effective: YYYY-MM-DD. Then a header row and one row "
        "per market; other columns are ignored, lines starting with # are comments.",
        "type": "array",
        "items": {
            "type": "object",
            "required": list(COLUMNS),
            "properties": {
                "market": {"type": "string", "minLength": 1},
                "calling_codes": {
                    "type": "string",
                    "pattern": r"^\s*(\*|[0-9]{1,6})(\s+(\*|[0-9]{1,6}))*\s*$",
                    "description": "Digits without +, separated by spaces; * for every other.",
                },
                "currency": {"enum": sorted(CURRENCIES)},
                **{category: price for category in CATEGORIES},
            },
        },
    }
