"""The result of an apply, for people (a summary table) and for CI (JSON, markdown).

The table and every count come from one list (``rows``): each campaign this run sent,
each it did not start, each it moved, and each it held back as already in doubt, so
the summary line never counts what the table does not show. Messages come from the
client already scrubbed of the token and phone numbers; bodies are never part of a
report.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from reconciler.executor import TaskOutcome
from reconciler.models.cost import exact, money
from reconciler.state.base import AttemptStatus

if TYPE_CHECKING:
    from reconciler.commands.apply import ApplyReport

FORMAT_VERSION = 1
_UNBOUNDED = 1 << 16  # columns: wider than any table of keys and ids

_WHAT_NEXT = {
    AttemptStatus.CREATED: "recorded",
    AttemptStatus.FAILED: "plans again as create",
    AttemptStatus.IN_DOUBT: "in doubt: check ContactSwing, then `state import` or `state forget`",
    AttemptStatus.CANCELLED: "not sent; plans again as create",
}
NOT_STARTED = "not_started"
MOVED = "moved"
ALREADY_IN_DOUBT = "already_in_doubt"
_HELD = "in doubt before this run, so not sent: `state import` or `state forget`"
_KEPT = {"journal": " (in the fallback journal: `state recover`)", "nowhere": " (see the warnings)"}
# Every outcome a row can have, in the order the summary names them.
OUTCOMES = (*(s.value for s in _WHAT_NEXT), NOT_STARTED, MOVED, ALREADY_IN_DOUBT)


@dataclass(frozen=True)
class Row:
    """One campaign of the report: the table shows it, the summary counts it."""

    key: str
    outcome: str
    campaign_id: str = ""
    what_next: str = ""
    name: str = ""
    note: str = ""  # the message of an outcome that was not a success


def rows(report: ApplyReport) -> list[Row]:
    """Every campaign the run touched or held back, by key: the one source of the counts."""
    result = report.result
    out = [_outcome_row(o) for o in result.outcomes]
    out += [
        Row(k, NOT_STARTED, what_next=_WHAT_NEXT[AttemptStatus.CANCELLED])
        for k in result.not_started
    ]
    ids = moved_ids(report)
    out += [
        Row(new, MOVED, ids.get(new, ""), what_next=f"moved from {old} in the state")
        for old, new in report.moved
    ]
    out += [Row(k, ALREADY_IN_DOUBT, what_next=_HELD) for k in report.in_doubt_before]
    return sorted(out, key=lambda r: r.key)


def moved_ids(report: ApplyReport) -> dict[str, str]:
    """The campaign id of each moved record, by its new key (from the plan applied)."""
    plan = report.plan
    if plan is None:
        return {}
    return {a.key: a.recorded.campaign_id for a in plan.actions if a.moved_from and a.recorded}


def _outcome_row(o: TaskOutcome) -> Row:
    what = _WHAT_NEXT.get(o.status, "") + _KEPT.get(o.recorded_in, "")
    note = o.message if o.status is not AttemptStatus.CREATED else ""
    if o.status is AttemptStatus.FAILED and o.message:
        what = f"{o.message}; {what}"
    return Row(o.key, o.status.value, o.campaign_id or "", what, o.name, note)


def summary(report: ApplyReport) -> dict[str, int]:
    """Count per outcome, every outcome present: the rows of the table, counted."""
    counts = Counter(r.outcome for r in rows(report))
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


def summary_line(report: ApplyReport) -> str:
    """One sentence: what this apply did."""
    c = summary(report)
    if report.nothing_to_do:
        line = f"{report.environment}: nothing to create; nothing was written."
        if c[ALREADY_IN_DOUBT]:
            line += f" {c[ALREADY_IN_DOUBT]} already in doubt (not sent)."
        return line
    parts = [f"{c['created']} created", f"{c['failed']} failed", f"{c['in_doubt']} in doubt"]
    labels = (
        (c["cancelled"] + c[NOT_STARTED], "not sent"),
        (c[MOVED], "moved"),
        (c[ALREADY_IN_DOUBT], "already in doubt (not sent)"),
    )
    parts += [f"{n} {label}" for n, label in labels if n]
    line = f"{report.environment}: " + ", ".join(parts) + "."
    if report.result.cancelled:
        line += " Cancelled."
    elif report.result.stopped:
        line += f" Stopped: {report.result.stopped}."
    return line + _cost_sentence(report)


def cost_of_run(report: ApplyReport) -> dict[str, Any] | None:
    """The estimate of what was planned and of what was created; None without a rate card."""
    plan = report.plan
    if plan is None or plan.cost is None or report.nothing_to_do:
        return None
    created = {o.key for o in report.result.outcomes if o.status is AttemptStatus.CREATED}
    sent = sum((a.cost.amount for a in plan.creates if a.cost and a.key in created), Decimal(0))
    cost = plan.cost
    card = {"rate_card": cost.rate_card_file, "rate_card_date": cost.rate_card_date}
    return {"currency": cost.currency, "planned": cost.total, "created": sent, **card}


def _cost_sentence(report: ApplyReport) -> str:
    cost = cost_of_run(report)
    if cost is None:
        return ""
    currency = cost["currency"]
    return (
        f" Estimated cost: {money(cost['created'], currency)} created of "
        f"{money(cost['planned'], currency)} planned "
        f"(rate card {cost['rate_card']} of {cost['rate_card_date']})."
    )


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
        "moved": [
            {"from": old, "to": new, "campaign_id": moved_ids(report).get(new)}
            for old, new in report.moved
        ],
        "not_started": list(report.result.not_started),
        "results": [_outcome_json(o) for o in report.result.outcomes],
    }
    cost = cost_of_run(report)
    if cost is not None:  # with a rate card only; amounts as exact decimal strings
        exactly = {k: exact(v) if isinstance(v, Decimal) else v for k, v in cost.items()}
        data = {**data, "cost": exactly}
    return json.dumps(data, indent=2, ensure_ascii=False)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ApplyReport) -> str:
    """A CI job summary: one line, a table of the run's campaigns, the warnings."""
    lines = [f"### reconciler apply: {report.environment}", "", summary_line(report), ""]
    if table := rows(report):
        lines += ["| key | name | outcome | campaign id | note |", "|---|---|---|---|---|"]
        for r in table:
            cells = [r.key, r.name, r.outcome, r.campaign_id, r.note or _plain_next(r)]
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    lines += [f"- {w}" for w in warnings(report)]
    return "\n".join(lines).rstrip() + "\n"


def _plain_next(r: Row) -> str:
    return "" if r.outcome == AttemptStatus.CREATED.value else r.what_next


def warnings(report: ApplyReport) -> list[str]:
    """What a person must look at after this run."""
    out = []
    if report.in_doubt_before:
        keys = ", ".join(report.in_doubt_before)
        out.append(f"already in doubt before this run (not sent): {keys}")
    journaled = any(o.recorded_in == "journal" for o in report.result.outcomes)
    if report.result.state_failure and journaled:
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
    if table_rows := rows(report):
        _print_whole(_table(report.environment, table_rows), console)
    console.print(summary_line(report), highlight=False, markup=False)
    for w in warnings(report):
        console.print(f"warning: {w}", highlight=False, markup=False)


def _table(environment: str, table_rows: list[Row]) -> Table:
    table = Table(title=f"apply {environment}", show_lines=False)
    # Keys and ids are what a person copies into `state import`: never wrapped or cut.
    table.add_column("key", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("campaign id", no_wrap=True)
    table.add_column("what next")
    for r in table_rows:
        table.add_row(r.key, r.outcome, r.campaign_id, r.what_next)
    return table


def _print_whole(table: Table, console: Console) -> None:
    """Print ``table`` at least as wide as its unbreakable columns need.

    A narrow terminal then wraps the long lines itself: an id stays one run of
    characters that a person can select and copy, where rich would cut it with "…".
    """
    wide = console.options.update_width(_UNBOUNDED)
    needed = Measurement.get(console, wide, table).minimum
    width = console.width
    console.width = max(width, needed)
    try:
        console.print(table, crop=False)
    finally:
        console.width = width
