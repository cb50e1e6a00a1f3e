"""The apply report: its counts are its table's rows; keys and ids are never cut."""

from __future__ import annotations

import dataclasses
import io
import json
from collections import Counter

import pytest
from rich.console import Console

from reconciler.commands.apply import ApplyReport
from reconciler.executor_values import ApplyResult, TaskOutcome
from reconciler.output import apply_report
from reconciler.plan import ActionKind, Plan, PlannedAction
from reconciler.state.base import AttemptStatus
from tests.support.factories import make_record

UUID = "34567892-1b07-4a2b-9c3d-123456789012"
LONG_KEY = "diwali-2027/vip-customers-of-the-north-region-" + "x" * 150


def _outcome(key: str, status: AttemptStatus, **fields: object) -> TaskOutcome:
    return TaskOutcome(key=key, name=key.upper(), status=status, **fields)  # type: ignore[arg-type]


def _report() -> ApplyReport:
    """A stopped run: outcomes of every kind, keys never started, a move, older doubts."""
    result = ApplyResult(
        outcomes=[
            _outcome("a-created", AttemptStatus.CREATED, campaign_id=UUID),
            _outcome("b-failed", AttemptStatus.FAILED, message="HTTP 400: bad"),
            _outcome("c-doubt", AttemptStatus.IN_DOUBT, message="HTTP 500"),
            _outcome("d-cancelled", AttemptStatus.CANCELLED, message="not sent"),
        ],
        not_started=["e-never", "f-never"],
        stopped="ContactSwing refused the token",
    )
    return ApplyReport(
        "prod", result, in_doubt_before=["g-held", "h-held"], moved=[("old", "i-moved")]
    )


def _text(report: ApplyReport, width: int) -> str:
    out = io.StringIO()
    apply_report.print_summary(report, Console(file=out, width=width, no_color=True))
    return out.getvalue()


def _table_outcomes(text: str) -> Counter[str]:
    cells = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    return Counter(row[2].strip() for row in cells if row[2].strip())


def test_the_summary_counts_the_rows_of_the_table() -> None:
    """Every campaign the summary line counts is a row of the table, and no other."""
    report = _report()
    text = _text(report, 200)
    shown = _table_outcomes(text)
    assert shown == {k: n for k, n in apply_report.summary(report).items() if n}
    assert sum(shown.values()) == 9
    line = apply_report.summary_line(report)
    assert line.startswith("prod: 1 created, 1 failed, 1 in doubt, 3 not sent, 1 moved, ")
    assert "2 already in doubt (not sent)." in line
    assert line in text


def test_a_moved_campaign_shows_its_campaign_id() -> None:
    """A record moved to a renamed key keeps its campaign: the table and JSON name its id."""
    moved = PlannedAction(
        "i-moved", ActionKind.UNCHANGED, recorded=make_record("old", campaign_id=UUID),
        moved_from="old",
    )  # fmt: skip
    report = dataclasses.replace(_report(), plan=Plan("prod", (moved,)))
    (row,) = [r for r in _text(report, 200).splitlines() if "i-moved" in r]
    assert UUID in row and "moved from old" in row
    data = json.loads(apply_report.to_json(report))
    assert data["moved"] == [{"from": "old", "to": "i-moved", "campaign_id": UUID}]


@pytest.mark.parametrize("render", [apply_report.to_markdown, apply_report.to_json])
def test_markdown_and_json_count_the_same_rows(render) -> None:
    """The CI formats list and count the same campaigns as the text table."""
    report = _report()
    text = render(report)
    counts = apply_report.summary(report)
    assert sum(counts.values()) == 9
    if render is apply_report.to_json:
        assert json.loads(text)["summary"] == counts
        assert counts[apply_report.ALREADY_IN_DOUBT] == 2
    else:
        rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
        assert len(rows) - 1 == sum(counts.values())  # less the header row


@pytest.mark.parametrize("width", [40, 160])
def test_keys_and_ids_are_never_wrapped_or_cut(width: int) -> None:
    """In a narrow terminal (COLUMNS=40) or a CI log (160), a key and an id stay whole."""
    report = ApplyReport(
        "prod",
        ApplyResult(outcomes=[_outcome(LONG_KEY, AttemptStatus.CREATED, campaign_id=UUID)]),
    )
    text = _text(report, width)
    words = text.split()
    assert LONG_KEY in words  # one run of characters: selectable, copyable
    assert UUID in words
    assert "…" not in text


def test_the_journal_is_named_only_when_an_outcome_went_to_it() -> None:
    """A state and a journal both unwritable (a disk turned read-only): the report says
    where each outcome is, and sends nobody to a fallback journal that was never written."""
    created = _outcome("a", AttemptStatus.CREATED, campaign_id=UUID, recorded_in="nowhere")
    result = ApplyResult(outcomes=[created], state_failure="disk I/O error", stopped="disk I/O")
    lost = apply_report.warnings(ApplyReport("dev", result))
    assert [w for w in lost if "journal" in w] == []
    assert any(UUID in w and "state import" in w for w in lost)
    journaled = dataclasses.replace(created, recorded_in="journal")
    kept = ApplyResult(outcomes=[journaled], state_failure="disk I/O error", stopped="disk I/O")
    assert any("state recover" in w for w in apply_report.warnings(ApplyReport("dev", kept)))
