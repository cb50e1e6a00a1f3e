"""``reconciler show PLAN_FILE [--format text|markdown|json]``: a saved plan, readable."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.common import (
    CommonOptions,
    common_options,
    format_option,
    show_sensitive_option,
)


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@format_option()
@show_sensitive_option
@common_options
def show(common: CommonOptions, plan_file: Path, output_format: str, show_sensitive: bool) -> int:
    """Show a saved plan (plan --out) as plan printed it, masked, and whether it is stale.

    With the previews and estimates the review showed (-v: the previews in text too). A
    stale plan is shown with a warning, not refused. Reads the state; sends nothing.
    """
    from reconciler.commands.show import show_saved
    from reconciler.config import load_project
    from reconciler.output.shown_plan import render_shown, staleness

    project = load_project(project_dir=common.project_dir)
    shown = show_saved(project, plan_file, os_environ=common.runtime.environ)
    color = output_format == "text" and common.color(sys.stdout)
    verbose = common.verbosity > 0
    text = render_shown(
        shown, output_format, show_sensitive=show_sensitive, color=color, verbose=verbose
    )
    click.echo(text, nl=False, color=color)
    if (shown.stale or shown.unknown) and common.verbosity >= 0:
        click.echo(f"Warning: {staleness(shown)}", err=True)
    return 0
