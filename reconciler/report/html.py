"""The board and calendar as one self-contained HTML page.

Inline CSS, no script, nothing fetched: the Content-Security-Policy meta tag forbids every
request and every script, so the page opens from a CI artifact as from a file. Every
value reaches the page through one door (``_shown``): recipients' numbers masked (a name
or an error message may quote one; senders too, PRODUCT.md section 12), then HTML-escaped
by Jinja's autoescape. The "needs attention" filter is a checkbox and CSS (``:has``), so
it works by keyboard and without JavaScript.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from typing import Any

import jinja2

from reconciler.masking import mask_text
from reconciler.models.cost import money
from reconciler.report.board import Board, CellState
from reconciler.report.calendar import Calendar
from reconciler.words import count

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class Page:
    """Everything the page shows."""

    title: str
    generated_at: datetime
    board: Board
    calendar: Calendar
    rate_card: str = ""  # e.g. "rates.csv of 2026-07-01" ("" without one)


# What ``mask_text`` can mask holds at least 7 digits, each at most 2 characters from
# the next: text without such a run (most names, every state word) is shown as it is.
_MAY_HOLD_NUMBER = re.compile(r"\d(?:\D{0,2}\d){6}")


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` of the template: free text with numbers masked."""
    if isinstance(value, str) and _MAY_HOLD_NUMBER.search(value):
        return mask_text(value)
    return value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        finalize=_shown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    env.filters["count"] = lambda n: f"{n:,}"
    env.filters["of"] = count  # 1 recipient, 2 recipients
    env.filters["day"] = _day
    return env


def _money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else money(amount, currency)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


_TEMPLATE = files("reconciler.report").joinpath("page.html.j2").read_text(encoding="utf-8")


@functools.cache
def _template() -> jinja2.Template:
    return _environment().from_string(_TEMPLATE)


def render_page(page: Page) -> str:
    """The page's HTML."""
    return _template().render(page=page, csp=CSP, states=list(CellState))
