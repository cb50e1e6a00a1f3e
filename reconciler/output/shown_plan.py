"""``reconciler show PLAN_FILE`` output: where a saved plan comes from, then the plan itself."""

from __future__ import annotations

from typing import Any

from reconciler.commands.show import ShownPlan
from reconciler.output.jsonout import dumps_indented, plan_to_json
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.plan import Plan
from reconciler.words import count

FORMAT_VERSION = 1
_LABELS = {
    "environment": "environment",
    "created_at": "saved at",
    "tool_version": "tool version",
    "git_commit": "commit",
    "lineage": "lineage",
    "serial": "serial",
}


def staleness(shown: ShownPlan) -> str:
    """One line: fresh, stale (why) or unknown (why)."""
    if shown.stale:
        return f"{shown.stale}; apply would refuse it"
    if shown.unknown:
        return f"cannot tell whether it is stale: {shown.unknown}"
    return f"not stale: {_what_apply_does(shown.plan)}"


def _what_apply_does(plan: Plan) -> str:
    """What applying the saved plan would write: its creates and its record moves."""
    creates, moves = len(plan.creates), len(plan.moves)
    moving = f"move {count(moves, 'record')}" if moves else ""
    if not creates:
        return f"apply would {moving} and send nothing" if moves else "apply would do nothing"
    sending = f"apply would send exactly these {count(creates, 'create')}"
    return f"{sending} and {moving}" if moves else sending


def _facts(shown: ShownPlan) -> list[tuple[str, str]]:
    header = shown.header()
    facts = [
        (label, "-" if header[name] is None else str(header[name]))
        for name, label in _LABELS.items()
    ]
    return [*facts, ("status", staleness(shown))]


def render_shown(
    shown: ShownPlan, fmt: str, *, show_sensitive: bool, color: bool, verbose: bool = False
) -> str:
    """The saved plan in ``fmt`` (text, markdown, json), masked unless ``show_sensitive``;
    in text with ``verbose`` (``-v``) each create's message preview, as plan shows it."""
    if fmt == "json":
        document: dict[str, Any] = {"format_version": FORMAT_VERSION, **shown.header()}
        document["plan"] = plan_to_json(shown.plan, show_sensitive=show_sensitive)
        return dumps_indented(document) + "\n"
    if fmt == "markdown":
        lines = [f"**Saved plan `{shown.path.name}`**", ""]
        lines += [f"- {label}: `{value}`" for label, value in _facts(shown)]
        body = render_markdown(shown.plan, show_sensitive=show_sensitive)
        return "\n".join(lines) + "\n\n" + body
    lines = [f"Saved plan {shown.path.name}"]
    lines += [f"  {label + ':':<14}{value}" for label, value in _facts(shown)]
    body = render_text(shown.plan, show_sensitive=show_sensitive, color=color, verbose=verbose)
    return "\n".join(lines) + "\n\n" + body
