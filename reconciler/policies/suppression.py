"""``suppression``: nobody on an opt-out list is messaged by a campaign to create.

A row matches a recipient on its id or its number (E.164). In ``drop`` mode the matching
recipients leave the bodies to create; the fingerprint stays that of the body before
suppression, so a growing list never turns a created campaign into a changed one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.campaign import DesiredCampaign, canonical_json
from reconciler.errors import Severity
from reconciler.plan import PlannedAction
from reconciler.policies.audience import recipients_of
from reconciler.policies.findings import Finding, examples_of, severity_of
from reconciler.words import count

POLICY = "suppression"


@dataclass(frozen=True)
class SuppressionList:
    """One opt-out list as read (``reconciler.specs.suppression_list``): numbers in E.164."""

    file: str
    numbers: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()


def check(
    creates: Sequence[PlannedAction], lists: Sequence[SuppressionList], mode: str
) -> tuple[list[PlannedAction], list[Finding]]:
    """The creates (in ``drop`` mode without the suppressed recipients) and the findings."""
    numbers = frozenset().union(*(s.numbers for s in lists))
    ids = frozenset().union(*(s.ids for s in lists))
    actions, findings = [], []
    for action in creates:
        desired = action.desired
        assert desired is not None  # a create has its spec
        body = desired.body
        kept, hit = _split(recipients_of(body), numbers, ids)
        if not hit:
            actions.append(action)
            continue
        findings.append(_finding(desired, hit, mode, lists, emptied=not kept))
        if mode == "drop" and kept:
            dropped = _dropped(desired, body, kept)
            action = dataclasses.replace(action, desired=dropped, unsuppressed=desired)
        actions.append(action)
    return actions, findings


def _split(
    recipients: list[Mapping[str, Any]], numbers: frozenset[str], ids: frozenset[str]
) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The recipients kept, and the numbers of those on a list."""
    kept, hit = [], []
    for r in recipients:
        number, ident = str(r.get("to_number", "")), r.get("id")
        if number in numbers or (ident is not None and str(ident) in ids):
            hit.append(number)
        else:
            kept.append(r)
    return kept, hit


def _finding(
    desired: DesiredCampaign,
    hit: list[str],
    mode: str,
    lists: Sequence[SuppressionList],
    *,
    emptied: bool,
) -> Finding:
    files = ", ".join(s.file for s in lists)
    who = count(len(hit), "recipient")
    if mode == "drop" and emptied:
        message = f"{desired.key}: every recipient ({who}) is on the opt-out list ({files})"
        severity, hint = Severity.ERROR, "nobody is left to message: remove the campaign"
    elif mode == "drop":
        message = f"{desired.key}: {who} on the opt-out list ({files}) dropped from its audience"
        severity, hint = Severity.WARNING, "a note: the campaign is sent without them"
    else:
        message = f"{desired.key}: {who} on the opt-out list ({files})"
        severity = severity_of(mode)
        hint = "remove them from the audience, or set suppression_mode: drop to leave them out"
    location, _ = desired.recipients_field()
    note = mode == "drop" and not emptied
    shown = examples_of(hit)
    return Finding(POLICY, severity, (desired.key,), len(hit), shown, message, hint, location, note)


def _dropped(
    desired: DesiredCampaign, body: dict[str, Any], kept: list[Mapping[str, Any]]
) -> DesiredCampaign:
    """``desired`` sending ``kept`` only: its fingerprint is still the full body's."""
    body["touchpoint"]["customer_details"] = kept
    return dataclasses.replace(desired, body_json=canonical_json(body), recipients=len(kept))
