"""The plan as text for a terminal: one line per campaign, the totals, then warnings."""

from __future__ import annotations

from reconciler.output import wording
from reconciler.output.body_diff import changed_diff
from reconciler.output.color import paint
from reconciler.output.policy_lines import policy_summary
from reconciler.plan import ActionKind, Plan, PlannedAction

_STYLES = {
    ActionKind.CREATE: "green",
    ActionKind.UNCHANGED: "dim",
    ActionKind.CHANGED: "yellow",
    ActionKind.GONE: "red",
    ActionKind.IN_DOUBT: "magenta",
    ActionKind.AWAITING_PROMOTION: "cyan",
}


def render_text(
    plan: Plan, *, show_sensitive: bool = False, color: bool = False, verbose: bool = False
) -> str:
    """The whole plan as text (ends with a newline). Errors are not included: they go to stderr.

    ``verbose`` (``-v``): each create's message preview and each changed campaign's
    diff (the one the markdown plan shows) below its line.
    """
    title = f"Plan for {plan.environment} ({wording.state_line(plan)})"
    lines = [paint(title, "bold", enabled=color), ""]
    if plan.actions:
        lines.extend(_rows(plan, show_sensitive=show_sensitive, color=color, verbose=verbose))
    else:
        lines.append("  no campaigns")
    lines.extend(["", paint(wording.summary_line(plan), "bold", enabled=color)])
    if (policies := policy_summary(plan)) is not None:
        lines.append(policies)
    cost = wording.cost_line(plan)
    if cost is not None:
        lines.append(paint(f"Estimated cost: {cost}", "bold", enabled=color))
    if plan.warnings:
        lines.extend(["", "Warnings:"])
        lines += [_indent(t) for t in wording.diagnostic_texts(plan, plan.warnings, show_sensitive)]
    return "\n".join(lines) + "\n"


def _rows(plan: Plan, *, show_sensitive: bool, color: bool, verbose: bool) -> list[str]:
    key_w = max(len(a.key) for a in plan.actions)
    name_w = min(40, max(len(a.name) for a in plan.actions))
    cost_w = max(len(wording.action_cost(a)) for a in plan.actions)
    rows = []
    for action in plan.actions:
        head = f"{action.kind.mark} {action.key:<{key_w}}"
        name = _clip(action.name, name_w)
        cost = f"  {wording.action_cost(action):>{cost_w}}" if cost_w else ""
        cells = f"{name:<{name_w}}  {_recipients(action):>9}{cost}  {_start(action)}"
        line = f"  {paint(head, _STYLES[action.kind], enabled=color)}  {cells}".rstrip()
        rows.append(line)
        extra = wording.note(action, show_sensitive=show_sensitive)
        if extra:
            rows.append(" " * (6 + key_w) + paint(extra, "dim", enabled=color))
        if verbose:
            rows.extend(_shown_below(action, show_sensitive, " " * (6 + key_w), color))
    return rows


def _shown_below(action: PlannedAction, show_sensitive: bool, pad: str, color: bool) -> list[str]:
    """With ``-v``: a create's message preview, a changed campaign's diff."""
    preview = wording.preview_text(action, show_sensitive=show_sensitive)
    rows = [pad + "│ " + line for line in (preview or "").splitlines()]
    for line in (changed_diff(action, show_sensitive) or "").splitlines():
        head = line[:3] in ("+++", "---")
        style = "bold" if head else {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
        rows.append(pad + "│ " + paint(line, style, enabled=color))
    return rows


def _recipients(action: PlannedAction) -> str:
    if action.desired is None:
        return "-"
    return f"{action.recipients:,} rcpt"


def _start(action: PlannedAction) -> str:
    return action.desired.start_at if action.desired is not None else ""


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
