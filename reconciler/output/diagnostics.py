"""How problems are shown to users: ``file:line: field: message`` then an indented hint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from reconciler.errors import Diagnostic, ReconcilerError, SourceLocation

if TYPE_CHECKING:
    from reconciler.output.diagnostic_formats import ReportPaths


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


def echo_error(exc: ReconcilerError, fmt: str = "text", paths: ReportPaths | None = None) -> None:
    """A user-facing error on stderr: its diagnostics, then ``Error: …`` and the hint.

    In another ``--diagnostics`` format, one report of them (files named by ``paths``);
    an error with no diagnostics is itself the one problem.
    """
    if fmt == "text":
        echo_diagnostics(exc.diagnostics)
        click.echo(format_error(exc), err=True)
        return
    problems = exc.diagnostics or [
        Diagnostic(exc.location or SourceLocation(""), exc.message, hint=exc.hint)
    ]
    echo_report(problems, fmt, summary=exc.message, paths=paths)


def echo_report(
    diagnostics: list[Diagnostic],
    fmt: str,
    *,
    summary: str = "",
    paths: ReportPaths | None = None,
) -> None:
    """Diagnostics on stderr in ``fmt`` (``--diagnostics``): text lines, or one report
    (``summary``: why the run failed).

    Text names files relative to the project, as always; ``paths`` names them for
    ``github`` and ``sarif``.
    """
    if fmt == "text":
        echo_diagnostics(diagnostics)
        return
    from reconciler.output import diagnostic_formats as formats

    paths = paths or formats.ReportPaths()
    if fmt == "github":
        report = formats.render_github(diagnostics, paths)
    elif fmt == "sarif":
        report = formats.render_sarif(diagnostics, summary=summary, paths=paths)
    else:
        report = formats.render_json(diagnostics, summary=summary)
    click.echo(report, nl=False, err=True)
