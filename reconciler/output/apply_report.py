"""The result of an apply, for people (a summary table) and for CI (JSON, markdown).

Messages come from the client already scrubbed of the token and phone numbers; bodies
are never part of a report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from reconciler.executor import TaskOutcome
from reconciler.state.base import AttemptStatus

if TYPE_CHECKING:
    from reconciler.commands.apply import ApplyReport

FORMAT_VERSION = 1

_WHAT_NEXT = {
    AttemptStatus.CREATED: "recorded",
    AttemptStatus.FAILED: "plans again as create",
    AttemptStatus.IN_DOUBT: "in doubt: check ContactSwing, then `state import` or `state forget`",
    AttemptStatus.CANCELLED: "not sent; plans again as create",
}


def summary(report: ApplyReport) -> dict[str, int]:
    """Count per outcome of this run, every outcome present."""
    counts = {s.value: 0 for s in _WHAT_NEXT}
    for outcome in report.result.outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    counts["not_started"] = len(report.result.not_started)
    counts["moved"] = len(report.moved)
    return counts


def summary_line(report: ApplyReport) -> str:
    """One sentence: what this apply did."""
    if report.nothing_to_do:
        return f"{report.environment}: nothing to create; nothing was written."
    c = summary(report)
    parts = [f"{c['created']} created", f"{c['failed']} failed", f"{c['in_doubt']} in doubt"]
    if c["cancelled"] or c["not_started"]:
        parts.append(f"{c['cancelled'] + c['not_started']} not sent")
    if c["moved"]:
        parts.append(f"{c['moved']} moved")
    line = f"{report.environment}: " + ", ".join(parts) + "."
    if report.result.cancelled:
        line += " Cancelled."
    elif report.result.stopped:
        line += f" Stopped: {report.result.stopped}."
    return line


def _outcome_json(o: TaskOutcome) -> dict[str, Any]:
    return {
        "key": o.key,
        "name": o.name,
        "outcome": o.status.value,
        "http_status": o.http_status,
        "campaign_id": o.campaign_id,
        "ctx_id": o.ctx_id,
        "message": o.message,
        "recorded_in": o.recorded_in,
    }


def to_json(report: ApplyReport) -> str:
    """The versioned JSON report (``format_version``, ``summary``, ``results`` ...)."""
    data: Mapping[str, Any] = {
        "format_version": FORMAT_VERSION,
        "environment": report.environment,
        "exit_code": report.exit_code,
        "nothing_to_do": report.nothing_to_do,
        "summary": summary(report),
        "cancelled": report.result.cancelled,
        "stopped": report.result.stopped or None,
        "state_failure": report.result.state_failure or None,
        "already_in_doubt": list(report.in_doubt_before),
        "moved": [{"from": old, "to": new} for old, new in report.moved],
        "not_started": list(report.result.not_started),
        "results": [_outcome_json(o) for o in report.result.outcomes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ApplyReport) -> str:
    """A CI job summary: one line, a table of this run's campaigns, the warnings."""
    lines = [f"### reconciler apply: {report.environment}", "", summary_line(report), ""]
    if report.result.outcomes:
        lines += ["| key | name | outcome | campaign id | note |", "|---|---|---|---|---|"]
        for o in report.result.outcomes:
            note = o.message if o.status is not AttemptStatus.CREATED else ""
            cells = [o.key, o.name, o.status.value, o.campaign_id or "", note]
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    lines += [f"- {w}" for w in warnings(report)]
    return "\n".join(lines).rstrip() + "\n"


def warnings(report: ApplyReport) -> list[str]:
    """What a person must look at after this run."""
    out = []
    if report.in_doubt_before:
        keys = ", ".join(report.in_doubt_before)
        out.append(f"already in doubt before this run (not sent): {keys}")
    if report.result.state_failure:
        out.append(
            "the state could not be written; outcomes were kept in the fallback journal: "
            f"run `reconciler state recover --env {report.environment}`"
        )
    lost = [o for o in report.result.outcomes if o.recorded_in == "nowhere"]
    for o in lost:
        out.append(
            f"{o.key}: outcome {o.status.value} could not be recorded anywhere"
            + (f" (campaign id {o.campaign_id})" if o.campaign_id else "")
            + "; record it with `state import` or `state forget`"
        )
    if report.result.not_started:
        out.append(f"not sent (plan again as create): {', '.join(report.result.not_started)}")
    return out


def print_summary(report: ApplyReport, console: Console) -> None:
    """The summary table at the end of a run (text format)."""
    if report.result.outcomes:
        table = Table(title=f"apply {report.environment}", show_lines=False)
        # Keys and ids are what a person copies into `state import`: never cut them.
        table.add_column("key", overflow="fold")
        table.add_column("outcome")
        table.add_column("campaign id", overflow="fold")
        table.add_column("what next")
        for o in sorted(report.result.outcomes, key=lambda o: o.key):
            what = _WHAT_NEXT.get(o.status, "")
            if o.status is AttemptStatus.FAILED and o.message:
                what = f"{o.message}; {what}"
            table.add_row(o.key, o.status.value, o.campaign_id or "", what)
        console.print(table)
    console.print(summary_line(report), highlight=False, markup=False)
    for w in warnings(report):
        console.print(f"warning: {w}", highlight=False, markup=False)
