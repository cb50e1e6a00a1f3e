"""``reconciler validate [--env E]``."""

from __future__ import annotations

import click

from reconciler.cli.common import (
    CommonOptions,
    common_options,
    diagnostics_option,
    env_option,
    find_reported_project,
    report_paths,
)
from reconciler.commands.validate import validate as validate_project
from reconciler.config import load_project
from reconciler.output.diagnostics import echo_report
from reconciler.specs.cache_session import spec_cache_enabled


@click.command()
@env_option(required=False)
@diagnostics_option
@common_options
def validate(common: CommonOptions, env: str | None, diagnostics: str) -> int:
    """Render and validate every spec (every environment without --env); no state, no network."""
    project = load_project(project_dir=find_reported_project(common))
    # Unchanged specs are not validated again; each is read once for every environment.
    with spec_cache_enabled(share_reads=True):
        result = validate_project(project, common.inputs, [env] if env else None)
    if diagnostics != "text":  # one report, asked for: even with -q, and nothing else
        echo_report(result.warnings, diagnostics, paths=report_paths())
    elif common.verbosity >= 0:
        echo_report(result.warnings, diagnostics)
        for name, count in result.counts.items():
            noun = "campaign" if count == 1 else "campaigns"
            click.echo(f"{count} {noun} valid in env {name}", err=True)
    return 0
