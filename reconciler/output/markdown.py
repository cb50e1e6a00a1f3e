"""The plan as a pull-request comment, split into parts that each fit one comment.

Every part stands alone: a marker line (for the PR workflow, which keeps the parts as one
set of comments updated in place), a heading, the whole plan's summary, a table of its
campaigns and their folded details. Unchanged campaigns are counted, not listed (except
one that follows a renamed key, which reviewers should see).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from reconciler.output.body_diff import changed_diff, pretty_body
from reconciler.output.policy_lines import policy_summary
from reconciler.output.wording import (
    action_cost,
    cost_breakdown,
    cost_line,
    diagnostic_texts,
    note,
    preview_text,
    state_line,
    summary_line,
)
from reconciler.plan import ActionKind, Plan, PlannedAction

COMMENT_LIMIT = 65_536  # GitHub's maximum comment body
MARKER_PREFIX = "<!-- reconciler-plan:"
_RESERVE = 1_000  # room for a part's heading, summary and table header
_TABLE_HEAD = (
    "| | Key | Action | Name | Recipients | Start at | Note |\n|---|---|---|---|--:|---|---|"
)
_COST_HEAD = (
    "| | Key | Action | Name | Recipients | Est. cost | Start at | Note |\n"
    "|---|---|---|---|--:|--:|---|---|"
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def render_markdown(plan: Plan, *, show_sensitive: bool = False) -> str:
    """All parts, one after another (each begins with its marker line)."""
    return "\n".join(render_markdown_parts(plan, show_sensitive=show_sensitive))


def render_markdown_parts(
    plan: Plan, *, show_sensitive: bool = False, limit: int = COMMENT_LIMIT
) -> list[str]:
    """The plan as one or more comments, each shorter than ``limit`` characters."""
    actions = [a for a in plan.actions if a.kind is not ActionKind.UNCHANGED or a.moved_from]
    costed = plan.cost is not None
    blocks = [_action_block(a, show_sensitive, costed) for a in actions]
    blocks += [_warning_block(t) for t in diagnostic_texts(plan, plan.diagnostics, show_sensitive)]
    groups = _pack(blocks, limit - _RESERVE)
    total = len(groups)
    return [_part(plan, group, index, total) for index, group in enumerate(groups, 1)]


def split_markdown_parts(text: str) -> list[str]:
    """Split ``render_markdown`` output (or the CLI's stdout) back into its parts."""
    parts: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith(MARKER_PREFIX) or not parts:
            parts.append("")
        parts[-1] += line
    return [p.rstrip("\n") + "\n" for p in parts if p.strip()]


def _pack(blocks: Sequence[tuple[str, str, str]], budget: int) -> list[list[tuple[str, str, str]]]:
    """Greedy packing of (row, details, warning) blocks; always at least one (maybe empty) part."""
    groups: list[list[tuple[str, str, str]]] = [[]]
    size = 0
    for block in blocks:
        length = sum(len(piece) + 2 for piece in block)
        if groups[-1] and size + length > budget:
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += length
    return groups


def _part(plan: Plan, group: Sequence[tuple[str, str, str]], index: int, total: int) -> str:
    env = plan.environment
    suffix = f" (part {index} of {total})" if total > 1 else ""
    cost = cost_line(plan)
    summary = summary_line(plan) + ("" if cost is None else f" · est. {cost}")
    lines = [
        f"{MARKER_PREFIX} env={_attr(env)} part={index}/{total} -->",
        f"### Plan for `{_code(env)}`{suffix}",
        "",
        f"**{_escape(summary)}** — {_escape(state_line(plan))}",
    ]
    if index == 1 and (policies := policy_summary(plan)) is not None:
        lines += ["", _escape(policies)]
    rows = [b[0] for b in group if b[0]]
    details = [b[1] for b in group if b[1]]
    warnings = [b[2] for b in group if b[2]]
    if rows:
        lines += ["", _COST_HEAD if cost is not None else _TABLE_HEAD, *rows]
    elif index == 1 and not warnings:
        lines += ["", "No campaign to create, change or review."]
    if details:
        lines += ["", *details]
    if warnings:
        lines += ["", "#### Warnings and errors", "", *warnings]
    return "\n".join(lines) + "\n"


def _action_block(
    action: PlannedAction, show_sensitive: bool, costed: bool
) -> tuple[str, str, str]:
    d = action.desired
    recipients = f"{action.recipients:,}" if d is not None else "-"
    start = _escape(d.start_at) if d is not None else ""
    cells = [
        f"`{action.kind.mark.strip() or ' '}`",
        f"`{_code(action.key)}`",
        action.kind.value.replace("_", " "),
        _escape(action.name),
        recipients,
        *([_escape(action_cost(action))] if costed else []),
        start,
        _escape(note(action, show_sensitive=show_sensitive)),
    ]
    return "| " + " | ".join(cells) + " |", _details(action, show_sensitive), ""


def _warning_block(text: str) -> tuple[str, str, str]:
    first, *rest = text.splitlines()
    item = f"- {_escape(first)}" + "".join(f"<br>{_escape(r.strip())}" for r in rest)
    return "", "", item


def _details(action: PlannedAction, show_sensitive: bool) -> str:
    label = html.escape(f"{action.kind.mark} {action.key}")
    summary = f"<code>{label}</code> {html.escape(action.name)}"
    diff = changed_diff(action, show_sensitive)
    if diff is not None:
        content = _fenced("diff", diff)
    elif action.kind in (ActionKind.GONE, ActionKind.UNCHANGED):
        return ""
    elif action.desired is not None:
        content = _fenced("json", pretty_body(action.desired.body, show_sensitive))
        preview = preview_text(action, show_sensitive=show_sensitive)
        if preview is not None:
            content = f"Message preview:\n\n{_fenced('text', preview)}\n\n{content}"
        if (breakdown := cost_breakdown(action)) is not None:
            content = f"Estimated cost: {_escape(breakdown)}\n\n{content}"
    elif action.attempt is not None and action.attempt.body is not None:
        content = _fenced("json", pretty_body(action.attempt.body, show_sensitive))
    else:
        return ""
    return f"<details><summary>{summary}</summary>\n\n{content}\n\n</details>"


def _fenced(language: str, text: str) -> str:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _escape(text: str) -> str:
    """Text safe inside a table cell or a paragraph: no HTML, no markdown syntax, one line."""
    one_line = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def _code(text: str) -> str:
    """Text safe inside a single-backtick code span within a table."""
    return text.replace("`", "'").replace("|", "\\|")


def _attr(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)
