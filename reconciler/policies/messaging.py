"""``messaging_limit``: unique recipients of the campaigns starting within 24 hours.

Meta counts the unique users a business messages in a moving 24 hours. The windows are
[t, t + 24 h) for each campaign's start t; one finding per run of overlapping windows
over the limit that holds a campaign to create, for the worst window of the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from reconciler.errors import SourceLocation
from reconciler.policies.audience import Audience
from reconciler.policies.findings import Finding, severity_of
from reconciler.words import count

POLICY = "messaging_limit"
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class _Window:
    first: int  # index of its first campaign, by start
    end: int  # one past its last
    unique: int


def windows_over(campaigns: Sequence[Audience], limit: int) -> list[_Window]:
    """Every window over ``limit`` holding a campaign to create (``campaigns`` by start)."""
    seen: dict[str, int] = {}  # number -> campaigns of the window it is in
    found, end, creates = [], 0, 0
    for i, first in enumerate(campaigns):
        while end < len(campaigns) and campaigns[end].start - first.start < DAY:
            for number in campaigns[end].numbers:  # twice in one: added, removed twice
                seen[number] = seen.get(number, 0) + 1
            creates += not campaigns[end].created
            end += 1
        if creates and len(seen) > limit:
            found.append(_Window(i, end, len(seen)))
        for number in first.numbers:
            if seen[number] == 1:
                del seen[number]
            else:
                seen[number] -= 1
        creates -= not first.created
    return found


def check(
    campaigns: Sequence[Audience], limit: int, mode: str, locations: dict[str, SourceLocation]
) -> list[Finding]:
    """The findings over ``campaigns`` (created and to create, any order)."""
    ordered = sorted(campaigns, key=lambda a: (a.start, a.key))
    runs: list[list[_Window]] = []
    for window in windows_over(ordered, limit):
        if runs and window.first < runs[-1][-1].end:
            runs[-1].append(window)
        else:
            runs.append([window])
    return [_finding(ordered, run, limit, mode, locations) for run in runs]


def _finding(
    ordered: Sequence[Audience],
    run: list[_Window],
    limit: int,
    mode: str,
    locations: dict[str, SourceLocation],
) -> Finding:
    worst = max(run, key=lambda w: w.unique)
    inside = ordered[worst.first : worst.end]
    keys = tuple(a.key for a in inside if not a.created)
    created = sum(a.created for a in inside)
    since = inside[0].start.isoformat(timespec="minutes")
    message = (
        f"{count(len(inside), 'campaign')} starting within 24 h from {since} "
        f"({created} already created) reach {worst.unique:,} unique recipients, "
        f"more than messaging_limit ({limit:,})"
    )
    hint = "spread the start_at of these campaigns over more days, or raise messaging_limit"
    where = locations.get(keys[0], SourceLocation("")) if keys else SourceLocation("")
    return Finding(POLICY, severity_of(mode), keys, worst.unique, (), message, hint, where)
