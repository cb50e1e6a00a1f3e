"""How problems are shown to users: ``file:line: field: message`` then an indented hint."""

from __future__ import annotations

import click

from reconciler.errors import Diagnostic, ReconcilerError


def format_diagnostic(d: Diagnostic) -> str:
    """One diagnostic as text lines (no colour)."""
    head = f"{d.location}: {d.severity.value}: "
    if d.field:
        head += f"{d.field}: "
    lines = [head + d.message]
    if d.hint:
        lines.append(f"  hint: {d.hint}")
    if d.excerpt:
        lines.append("  rendered:")
        lines.extend(f"    | {line}" for line in d.excerpt.splitlines())
    return "\n".join(lines)


def format_error(exc: ReconcilerError) -> str:
    """A user-facing error as text: ``Error: …`` with location and hint."""
    where = f"{exc.location}: " if exc.location is not None else ""
    text = f"Error: {where}{exc.message}"
    if exc.hint:
        text += f"\n  hint: {exc.hint}"
    return text


def echo_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Print diagnostics to stderr, in the order given."""
    for d in diagnostics:
        click.echo(format_diagnostic(d), err=True)


def echo_error(exc: ReconcilerError) -> None:
    """A user-facing error on stderr: its diagnostics, then ``Error: …`` and the hint."""
    echo_diagnostics(exc.diagnostics)
    click.echo(format_error(exc), err=True)
