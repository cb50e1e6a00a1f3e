"""The board and calendar as one self-contained HTML page.

Inline CSS, no script, nothing fetched: the Content-Security-Policy meta tag forbids every
request and every script, so the page opens from a CI artifact as from a file. Every
value reaches the page through one door (``_shown``): recipients' numbers masked (a name
or an error message may quote one; senders too, PRODUCT.md section 12), then HTML-escaped
by Jinja's autoescape, or for the board's tables (the bulk of a large page, built in
Python) by ``_text``, which does the same. The "needs attention" filter is a checkbox
and CSS (``:has``), so it works by keyboard and without JavaScript.
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
from markupsafe import Markup, escape

from reconciler.masking import mask_text
from reconciler.models.cost import money
from reconciler.report.board import Board, Cell, CellState
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
    """Every ``{{ value }}`` of the template: free text with numbers masked.

    Markup is HTML this module built from values that went through ``_text``.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return mask_text(value) if _MAY_HOLD_NUMBER.search(value) else value
    return value


def _text(value: str) -> str:
    """``value`` as the template shows it: ``_shown``, then HTML-escaped."""
    return str(escape(_shown(value)))


def board_tables(board: Board) -> Markup:
    """The board's tables, one per spec file.

    The bulk of a 10,000-campaign page, so written here rather than in the template (a
    third of its time), every value through ``_text`` as the template's go.
    """
    head = "".join(f'<th scope="col">{_text(c.name)}</th>' for c in board.columns)
    thead = f'<thead><tr><th scope="col">Campaign</th>{head}</tr></thead>\n'
    parts = []
    for group in board.groups:
        parts.append('<div class="group scroll">\n<table class="board">\n')
        parts.append(f"<caption><code>{_text(group.file)}</code></caption>\n{thead}<tbody>\n")
        for row in group.rows:
            kind = "campaign attention" if row.attention else "campaign"
            parts.append(
                f'<tr class="{kind}">\n<th scope="row"><span class="name">{_text(row.name)}'
                f"</span><code>{_text(row.key)}</code></th>\n"
            )
            parts.extend(_cell(cell) for cell in row.cells)
            parts.append("</tr>\n")
        parts.append("</tbody>\n</table>\n</div>\n")
    return Markup("".join(parts))  # noqa: S704 -- every value went through _text


def _cell(cell: Cell) -> str:
    detail = f'<span class="detail">{_text(cell.detail)}</span>' if cell.detail else ""
    note = f'<span class="note">{_text(cell.note)}</span>' if cell.note else ""
    state = f'<span class="badge {cell.state.css}">{_text(cell.state.value)}</span>'
    return f"<td>{state}{detail}{note}</td>\n"


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
    env.filters["clock"] = _clock
    return env


def _money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else money(amount, currency)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _clock(start: datetime) -> str:
    """``23:30 UTC−05:00``: the start in its own offset, said, since the send window
    beside it is in the campaign's time zone, which may be another."""
    offset = start.strftime("%z")  # +0530
    if not offset:
        return f"{start:%H:%M}"
    sign = "−" if offset[0] == "-" else "+"
    return f"{start:%H:%M} UTC{sign}{offset[1:3]}:{offset[3:5]}"


_TEMPLATE = files("reconciler.report").joinpath("page.html.j2").read_text(encoding="utf-8")


@functools.cache
def _template() -> jinja2.Template:
    return _environment().from_string(_TEMPLATE)


def render_page(page: Page) -> str:
    tables = board_tables(page.board)
    return _template().render(page=page, csp=CSP, states=list(CellState), board_tables=tables)
