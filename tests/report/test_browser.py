"""The report page in headless Chromium: what a reader sees, the filter, nothing fetched.

Marked ``browser``: deselected by default, run by ``.ci/run``; selected without Chromium
or Playwright they fail (``tests/support/external.py``). Screenshots of the board and the
calendar at desktop and phone widths go to ``artifacts/report-screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.report.board import CellState
from tests.report.example import build_example, write_report
from tests.support.browser import chromium, screenshots_dir

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BOARD_STATES = {"created", "to create", "awaiting promotion", "changed", "gone", "in doubt"}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_example(tmp_path_factory.mktemp("browser") / "example")
    out = root / "report.html"
    write_report(root, out)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


class Watched:
    """A page with every request it makes and every console error it logs recorded."""

    def __init__(self, browser: Any, url: str, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, page_file: Path) -> Iterator[Watched]:
    w = Watched(browser, page_file.as_uri(), viewport=DESKTOP)
    yield w
    w.close()


def _visible_rows(page: Any) -> list[str]:
    return [
        row.locator("th code").inner_text()
        for row in page.locator("tr.campaign").all()
        if row.is_visible()
    ]


def test_the_board_shows_every_state_of_the_example_environments(watched: Watched) -> None:
    page = watched.page
    shown = {b.inner_text() for b in page.locator("table.board td .badge").all() if b.is_visible()}
    assert shown >= BOARD_STATES
    headers = page.locator("table.board").first.locator("thead th").all_inner_texts()
    assert headers == ["Campaign", "dev", "staging", "prod"]
    doubt = page.locator("tr.campaign", has=page.locator("code", has_text="welcome-no"))
    assert "in doubt" in doubt.locator("td").nth(1).inner_text()


def test_each_state_has_a_colour_of_its_own(watched: Watched) -> None:
    page = watched.page
    colours = {}
    for state in BOARD_STATES:
        badge = page.locator(f"table.board .badge.{CellState(state).css}").first
        colours[state] = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert len(set(colours.values())) == len(BOARD_STATES), colours


def test_the_filter_works_by_click_and_by_keyboard(watched: Watched) -> None:
    page = watched.page
    everything = _visible_rows(page)
    attention = [
        r.locator("th code").inner_text() for r in page.locator("tr.campaign.attention").all()
    ]
    assert 0 < len(attention) < len(everything)
    page.get_by_label("Show only the campaigns that need attention").click()
    assert _visible_rows(page) == attention
    assert "welcome-no" in attention and "nps-survey-2027-q1" in attention  # in doubt, changed
    page.get_by_label("Show only the campaigns that need attention").click()
    assert _visible_rows(page) == everything
    for _ in range(10):  # Tab from the top of the page to the checkbox
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "attention-only":
            break
    assert page.evaluate("document.activeElement.id") == "attention-only"
    page.keyboard.press("Space")
    assert _visible_rows(page) == attention
    page.keyboard.press("Space")
    assert _visible_rows(page) == everything


def test_no_request_leaves_the_page_and_no_console_error(watched: Watched, page_file: Path) -> None:
    watched.page.get_by_label("Show only the campaigns that need attention").click()
    watched.page.get_by_role("link", name="Calendar").click()
    assert watched.requests == [page_file.as_uri()]
    assert watched.errors == []


def test_the_page_reads_and_filters_with_javascript_disabled(browser: Any, page_file: Path) -> None:
    w = Watched(browser, page_file.as_uri(), viewport=DESKTOP, java_script_enabled=False)
    try:
        page = w.page
        assert page.get_by_role("heading", name="Board: every campaign by environment").is_visible()
        assert page.get_by_role("heading", name="Calendar: 2027-01-04 to 2027-02-14").is_visible()
        rows = _visible_rows(page)
        assert len(rows) == page.locator("tr.campaign").count() > 0
        page.get_by_label("Show only the campaigns that need attention").check()
        assert len(_visible_rows(page)) == page.locator("tr.campaign.attention").count()
        assert w.errors == []
    finally:
        w.close()


def test_the_calendar_shows_the_start_days_with_recipients_and_cost(watched: Watched) -> None:
    page = watched.page
    monday = page.locator("table.calendar tr", has=page.locator('time[datetime="2027-01-04"]'))
    text = monday.inner_text()
    assert "Welcome (English)" in text and "Welcome (Norwegian)" in text
    assert "3 recipients" in text and "est. ₹" in text
    assert "mon–sat 09:00–18:00 Asia/Kolkata" in text


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_board_and_calendar(
    browser: Any, page_file: Path, width: str, viewport: dict[str, int], scheme: str
) -> None:
    w = Watched(browser, page_file.as_uri(), viewport=viewport, color_scheme=scheme)
    try:
        page = w.page
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        folder = screenshots_dir()
        for section in ("board", "calendar"):
            path = folder / f"{section}-{width}-{scheme}.png"
            page.locator(f"#{section}").screenshot(path=str(path))
            assert path.stat().st_size > 10_000, path
        assert w.errors == []
    finally:
        w.close()
