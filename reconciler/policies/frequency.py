"""``frequency_cap``: no number in more than ``max`` campaigns starting within ``days`` days.

Two campaigns share a window when their ``start_at`` are less than ``days`` x 24 h apart.
Recorded campaigns (in-doubt ones as sent) count; a finding names a campaign to create.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reconciler.errors import SourceLocation
from reconciler.policies.audience import Audience
from reconciler.policies.findings import Finding, examples_of, severity_of
from reconciler.settings import FrequencyCap
from reconciler.words import count

POLICY = "frequency_cap"

# A number's campaigns: (start as a POSIX timestamp, key, is a campaign to create).
Entry = tuple[float, str, bool]


def entries(creates: Sequence[Audience], recorded: Iterable[Audience]) -> dict[str, list[Entry]]:
    """Each number of a campaign to create: every campaign it is in (others are not needed)."""
    found: dict[str, list[Entry]] = {}
    for a in creates:
        entry = (a.start.timestamp(), a.key, True)
        for number in a.numbers:
            found.setdefault(number, []).append(entry)
    for a in recorded:
        entry = (a.start.timestamp(), a.key, False)
        for number in a.numbers:
            if (listed := found.get(number)) is not None:
                listed.append(entry)
    return found


def over_cap(starts: list[Entry], cap: FrequencyCap) -> dict[str, set[str]]:
    """Each campaign to create in a window of this number's campaigns that holds more than
    ``max`` (windows start at each campaign's start): the keys of those windows, its own
    included. A window's keys are given only to the creates inside it."""
    if len(starts) <= cap.max:
        return {}
    ordered = sorted(starts)
    span, end, size = cap.days * 86_400, 0, len(ordered)
    shared: dict[int, tuple[int, int]] = {}  # a create's index -> its windows' first, end
    for i, (start, _, _) in enumerate(ordered):
        while end < size and ordered[end][0] - start < span:
            end += 1
        if end - i > cap.max:
            for at in range(i, end):
                if ordered[at][2]:
                    first = shared.get(at, (i, end))[0]  # windows begin in order: first stays
                    shared[at] = (first, end)
    return {
        ordered[at][1]: {key for _, key, _ in ordered[first:last]}
        for at, (first, last) in shared.items()
    }


def check(
    by_number: dict[str, list[Entry]],
    cap: FrequencyCap,
    locations: dict[str, SourceLocation],
) -> list[Finding]:
    """One finding per campaign to create in an over-cap window: the numbers over it, and
    the campaigns that share such a window with it (for any of those numbers)."""
    numbers: dict[str, list[str]] = {}
    partners: dict[str, set[str]] = {}
    for number, starts in by_number.items():
        for key, keys in over_cap(starts, cap).items():
            if key in locations:
                numbers.setdefault(key, []).append(number)
                partners.setdefault(key, set()).update(keys)
    return [
        _finding(key, found, sorted(partners[key] - {key}), cap, locations[key])
        for key, found in sorted(numbers.items())
    ]


def _finding(
    key: str, numbers: list[str], others: list[str], cap: FrequencyCap, where: SourceLocation
) -> Finding:
    rule = f"more than {count(cap.max, 'campaign')} within {count(cap.days, 'day')}"
    shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
    message = f"{key}: {count(len(numbers), 'recipient')} in {rule} (with {shown})"
    hint = "move start_at apart, leave them out of one campaign, or raise frequency_cap"
    return Finding(
        POLICY, severity_of(cap.mode), (key, *others), len(numbers), examples_of(numbers),
        message, hint, where,
    )  # fmt: skip
