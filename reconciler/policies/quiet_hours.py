"""``quiet_hours``: no send window of a campaign to create inside a recipient's quiet hours.

A number's zones come from the phone-number library's time-zone data; with several, the
window must clear the quiet hours in each. The window [start_hour, end_hour) in the
campaign's ``time_zone`` is checked on each execution day of a week of windows, from the
first that closes after ``start_at`` (where the messages go out), as real instants, so a
daylight-saving change on either side is taken into account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers.timezone import time_zones_for_number
from phonenumbers.tzdata import TIMEZONE_DATA

from reconciler.errors import Severity, SourceLocation
from reconciler.models.fields import DAYS
from reconciler.phones import split_country_code
from reconciler.policies.audience import Audience
from reconciler.policies.findings import Finding, examples_of, severity_of
from reconciler.settings import QuietHours
from reconciler.words import count

POLICY = "quiet_hours"
WEEK = 7
_UNKNOWN = "Etc/Unknown"


# ZoneInfo keeps only a few zones strongly: reading a zone's file again costs more than
# the check itself.
_zone = cache(ZoneInfo)


@cache
def _country_zones(code: int) -> tuple[str, ...]:
    return tuple(TIMEZONE_DATA.get(str(code), ()))


@cache
def zones_of(number: str) -> tuple[str, ...]:
    """The IANA zones of an E.164 number; () when the library knows none.

    A calling code with one zone gives it without parsing (the library's answer for
    every valid number of it); others ask the library, number by number.
    """
    code, _ = split_country_code(number[1:])
    country = _country_zones(code)
    if len(country) == 1:
        found: tuple[str, ...] = country
    else:
        try:
            found = tuple(time_zones_for_number(phonenumbers.parse(number)))
        except phonenumbers.NumberParseException:
            found = ()
    return tuple(z for z in found if z != _UNKNOWN)


def send_windows(
    settings: Mapping[str, Any], start: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The campaign's send windows, as aware instants: a week of them on its execution
    days (in its ``time_zone``), from the first that closes after ``start``.

    The first is where the messages go out: with ``start`` after the day's window has
    closed, the next execution day's, which may be the same weekday a week later.
    """
    zone = _zone(str(settings.get("time_zone", "UTC")))
    first, last = int(settings.get("start_hour", 0)), int(settings.get("end_hour", 24))
    days = {str(d).lower()[:3] for d in settings.get("execution_days", DAYS)}
    local_start = start.astimezone(zone).date()
    opened: date | None = None
    for offset in range(WEEK + 1):
        day = local_start + timedelta(days=offset)
        if DAYS[day.weekday()] not in days:
            continue
        opens, closes = _at(day, first, zone), _at(day, last, zone)
        if closes <= start:
            continue
        if opened is None:
            opened = day
        elif (day - opened).days >= WEEK:
            return
        yield opens, closes


def quiet_spans(
    zone: tzinfo, around: tuple[datetime, datetime], quiet: QuietHours
) -> Iterator[tuple[datetime, datetime]]:
    """The quiet spans, as aware instants, of the local days around a window."""
    if quiet.start == quiet.end:
        return
    ends = quiet.start + (quiet.end - quiet.start) % 24  # past 24: on the next day
    day = around[0].astimezone(zone).date() - timedelta(days=1)
    while day <= around[1].astimezone(zone).date():
        yield _at(day, quiet.start, zone), _at(day, ends, zone)
        day += timedelta(days=1)


@cache  # campaigns of the same days and hours share their windows
def clashes(
    zone_name: str, windows: tuple[tuple[datetime, datetime], ...], quiet: QuietHours
) -> bool:
    """Whether any send window overlaps the quiet hours in ``zone_name``."""
    zone = _zone(zone_name)
    return any(
        begins < closes and opens < ends
        for opens, closes in windows
        for begins, ends in quiet_spans(zone, (opens, closes), quiet)
    )


def check(
    audience: Audience, body: Mapping[str, Any], quiet: QuietHours, where: SourceLocation
) -> list[Finding]:
    """The findings of one campaign to create (``body``, its audience): numbers whose quiet
    hours it touches, and (as a note) numbers with no known zone."""
    settings = body.get("touchpoint", {}).get("additional_settings", {})
    windows = tuple(send_windows(settings, audience.start))
    by_code: dict[int, bool | None] = {}
    by_zones: dict[tuple[str, ...], bool] = {}
    hit, unknown = [], []
    for number in audience.numbers:
        code, _ = split_country_code(number[1:])
        if code not in by_code:
            by_code[code] = _agreed(_country_zones(code), windows, quiet)
        verdict = by_code[code]
        if verdict is None:  # the calling code's zones disagree: the number's own decide
            zones = zones_of(number)
            if not zones:
                unknown.append(number)
                continue
            if zones not in by_zones:
                by_zones[zones] = any(clashes(z, windows, quiet) for z in zones)
            verdict = by_zones[zones]
        if verdict:
            hit.append(number)
    return _findings(audience.key, hit, unknown, quiet, settings, where)


def _agreed(
    zones: tuple[str, ...], windows: tuple[tuple[datetime, datetime], ...], quiet: QuietHours
) -> bool | None:
    """The verdict every zone of a calling code gives, or None when they differ (or it
    has none). A number's zones are among its calling code's in the library's data
    (tests/policies/test_quiet_hours.py checks it), so an agreed verdict is the number's
    too, without parsing it (parsing is most of the cost)."""
    verdicts = {clashes(z, windows, quiet) for z in zones}
    return verdicts.pop() if len(verdicts) == 1 else None


def _findings(
    key: str,
    hit: list[str],
    unknown: list[str],
    quiet: QuietHours,
    settings: Mapping[str, Any],
    where: SourceLocation,
) -> list[Finding]:
    found = []
    if hit:
        hours = f"{settings.get('start_hour')}-{settings.get('end_hour')}"
        message = (
            f"{key}: the send window {hours} {settings.get('time_zone')} falls in the quiet "
            f"hours ({quiet.start}-{quiet.end} local) of {count(len(hit), 'recipient')}"
        )
        hint = "narrow start_hour/end_hour, or split the audience by time zone"
        severity, shown = severity_of(quiet.mode), examples_of(hit)
        found.append(Finding(POLICY, severity, (key,), len(hit), shown, message, hint, where))
    if unknown:
        who = count(len(unknown), "recipient")
        message = f"{key}: {who} with no known time zone (quiet hours not checked)"
        hint = "a note: check these numbers' local time yourself"
        shown = examples_of(unknown)
        found.append(
            Finding(
                POLICY, Severity.WARNING, (key,), len(unknown), shown, message, hint, where, True
            )
        )
    return found


def _at(day: date, hour: int, zone: tzinfo) -> datetime:
    """``hour`` o'clock of ``day`` in ``zone`` (24 and later: of the next day)."""
    local = datetime.combine(day + timedelta(days=hour // 24), time(hour % 24), tzinfo=zone)
    return local.astimezone(UTC)  # instants: one zone's wall times compare without offsets
