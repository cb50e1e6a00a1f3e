"""The audience of a campaign as the policies count it, and the per-day recipient count.

A campaign's audience is its start and its recipients' numbers (E.164: bodies are
canonical, ``reconciler.campaign``) and ids. Recorded and planned campaigns alike become
an ``Audience``; nothing here reads a file or a state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any


@dataclass(frozen=True)
class Audience:
    """One campaign as the policies see it. ``created``: recorded (or in doubt), not planned."""

    key: str
    start: datetime
    numbers: tuple[str, ...]
    created: bool = False


def start_of(body: Mapping[str, Any]) -> datetime:
    """The body's ``touchpoint.start_at`` as an aware datetime (UTC when it names no offset)."""
    text = str(_touchpoint(body).get("start_at", ""))
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = datetime.min
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def recipients_of(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The body's ``customer_details`` (its items that are mappings)."""
    details = _touchpoint(body).get("customer_details", [])
    return [r for r in details if isinstance(r, Mapping)] if isinstance(details, list) else []


def audience_of(key: str, body: Mapping[str, Any], *, created: bool = False) -> Audience:
    """The audience of a campaign body: its start and its recipients' numbers."""
    try:  # a validated body: a list of mappings, each with its number
        numbers = tuple([r["to_number"] for r in _touchpoint(body).get("customer_details", [])])
    except (KeyError, TypeError):
        numbers = tuple(str(r.get("to_number", "")) for r in recipients_of(body))
    return Audience(key, start_of(body), numbers, created)


def recipients_per_day(
    campaigns: Iterable[tuple[datetime, Iterable[str]]], tz: tzinfo = UTC
) -> dict[date, int]:
    """Unique recipients per calendar day (in ``tz``) of the campaigns starting that day.

    ``campaigns``: (start, numbers) pairs. A report can mark the days over a messaging
    limit with it; the policy itself counts any 24 hours (``messaging.check``).
    """
    days: dict[date, set[str]] = {}
    for start, numbers in campaigns:
        days.setdefault(start.astimezone(tz).date(), set()).update(numbers)
    return {day: len(found) for day, found in sorted(days.items())}


def _touchpoint(body: Mapping[str, Any]) -> Mapping[str, Any]:
    tp = body.get("touchpoint", {})
    return tp if isinstance(tp, Mapping) else {}
