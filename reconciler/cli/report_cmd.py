"""``reconciler report --out FILE.html``: the campaign board and calendar, one page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from reconciler.cli.common import CommonOptions, common_options


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="ENV",
    help="An environment to show (repeatable; default: every environment).",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=104),
    default=6,
    show_default=True,
    help="Weeks the calendar shows.",
)
@click.option(
    "--from",
    "first",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="First day of the calendar (default: today, UTC).",
)
@common_options
def report(
    common: CommonOptions, out: Path, envs: tuple[str, ...], weeks: int, first: datetime | None
) -> int:
    """Write the campaign board (every campaign by environment) and calendar as one page.

    Reads the specs and states as `plan` does: read-only, no token, no network. The page
    is self-contained (no request leaves it) and shows no phone number.
    """
    from reconciler.commands.report import ReportRequest, build_page, write_report
    from reconciler.config import load_project
    from reconciler.perf import gc_paused
    from reconciler.specs.cache_session import spec_cache_enabled

    project = load_project(project_dir=common.project_dir)
    request = ReportRequest(envs, first.date() if first else None, weeks, common.inputs)
    with spec_cache_enabled(share_reads=True), gc_paused(keep=True):
        page = build_page(project, request, now=common.runtime.now())
        write_report(out, page)
    if common.verbosity >= 0:
        rows, attention = len(page.board.rows), page.board.attention
        click.echo(
            f"Wrote the campaign board to {out}: {rows:,} campaigns, {attention:,} needing "
            f"attention, calendar {page.calendar.first} to {page.calendar.last}.",
            err=True,
        )
    return 0
