"""The calendar: the weeks ahead, each environment's campaigns on their start days.

A campaign's day is the date of its ``start_at`` in the offset it is written with (the
team's own day). Per day and environment: the campaigns with their send window, the
unique recipients of the campaigns starting that day, their estimated cost (with a rate
card), and whether a moving 24 hours from one of that day's starts reaches more unique
recipients than the environment's ``messaging_limit`` (``policies.messaging``). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from reconciler.models.cost import CampaignCost
from reconciler.policies.audience import Audience
from reconciler.policies.messaging import windows_over
from reconciler.report.board import CellState

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Sending:
    """One campaign of one environment on its start day.

    ``numbers`` (the recipients', E.164) only count unique recipients: never shown.
    """

    env: str
    key: str
    name: str
    state: CellState
    start: datetime
    window: str
    recipients: int
    numbers: tuple[str, ...] = ()
    cost: CampaignCost | None = None

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class DayEnv:
    """One environment's campaigns of one day.

    ``unique``: unique recipients of those campaigns; ``over_limit``: the most unique
    recipients of a 24-hour window opening at one of that day's starts, when more than
    the limit (else None).
    """

    sendings: tuple[Sending, ...]
    unique: int = 0
    cost: Decimal | None = None
    currency: str = ""
    over_limit: int | None = None


@dataclass(frozen=True)
class Day:
    day: date
    envs: tuple[DayEnv, ...]

    @property
    def empty(self) -> bool:
        return not any(e.sendings for e in self.envs)


@dataclass(frozen=True)
class Week:
    days: tuple[Day, ...]

    @property
    def first(self) -> date:
        return self.days[0].day


@dataclass(frozen=True)
class Calendar:
    """``weeks`` weeks from ``first``; ``limits``: each environment's messaging_limit."""

    first: date
    envs: tuple[str, ...]
    weeks: tuple[Week, ...]
    limits: Mapping[str, int | None]

    @property
    def last(self) -> date:
        return self.first + timedelta(days=7 * len(self.weeks) - 1)


def parse_start(text: str) -> datetime | None:
    """A ``start_at`` as written (ISO 8601 with an offset); None when it is not one."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def in_range(start: datetime | None, first: date, weeks: int) -> bool:
    """Whether a campaign starting at ``start`` is on the calendar."""
    return start is not None and first <= start.date() < first + timedelta(days=7 * weeks)


def send_window(body: Mapping[str, Any]) -> str:
    """E.g. ``mon–fri 10:00–19:00 Asia/Kolkata``: when the campaign sends."""
    touchpoint = body.get("touchpoint")
    settings = touchpoint.get("additional_settings") if isinstance(touchpoint, Mapping) else None
    if not isinstance(settings, Mapping):
        return ""
    days = settings.get("execution_days")
    day_text = _days(days) if isinstance(days, list) else ""
    hours = ""
    if isinstance(settings.get("start_hour"), int) and isinstance(settings.get("end_hour"), int):
        hours = f"{settings['start_hour']:02d}:00–{settings['end_hour']:02d}:00"
    zone = str(settings.get("time_zone") or "")
    return " ".join(part for part in (day_text, hours, zone) if part)


def _days(days: list[Any]) -> str:
    """``mon–fri`` for a run of days in week order, else ``mon, wed, fri``."""
    indices = sorted(DAYS.index(d) for d in days if d in DAYS)
    if len(indices) > 2 and indices == list(range(indices[0], indices[-1] + 1)):
        return f"{DAYS[indices[0]]}–{DAYS[indices[-1]]}"
    return ", ".join(DAYS[i] for i in indices)


def build_calendar(
    sendings: Sequence[Sending],
    envs: Sequence[str],
    *,
    first: date,
    weeks: int,
    limits: Mapping[str, int | None],
) -> Calendar:
    """The calendar of these sendings (those outside the weeks are left out)."""
    shown = [s for s in sendings if in_range(s.start, first, weeks) and s.env in envs]
    by_day: dict[tuple[date, str], list[Sending]] = {}
    for s in sorted(shown, key=lambda s: (s.start, s.key)):
        by_day.setdefault((s.day, s.env), []).append(s)
    over = {env: _over_limit([s for s in shown if s.env == env], limits.get(env)) for env in envs}
    days = []
    for n in range(7 * weeks):
        day = first + timedelta(days=n)
        cells = tuple(_day_env(by_day.get((day, env), []), over[env].get(day)) for env in envs)
        days.append(Day(day, cells))
    week_list = tuple(Week(tuple(days[n : n + 7])) for n in range(0, len(days), 7))
    return Calendar(first, tuple(envs), week_list, dict(limits))


def _day_env(sendings: list[Sending], over: int | None) -> DayEnv:
    unique = len({n for s in sendings for n in s.numbers})
    costs = [s.cost for s in sendings if s.cost is not None]
    if not costs:
        return DayEnv(tuple(sendings), unique, over_limit=over)
    total = sum((c.amount for c in costs), Decimal(0))
    return DayEnv(tuple(sendings), unique, total, costs[0].currency, over)


def _over_limit(sendings: list[Sending], limit: int | None) -> dict[date, int]:
    """Per day: the most unique recipients of a window over ``limit`` opening that day."""
    if limit is None:
        return {}
    ordered = sorted(sendings, key=lambda s: (s.start, s.key))
    audiences = [Audience(s.key, s.start, s.numbers) for s in ordered]  # each counts
    found: dict[date, int] = {}
    for window in windows_over(audiences, limit):
        day = ordered[window.first].day
        found[day] = max(found.get(day, 0), window.unique)
    return found
