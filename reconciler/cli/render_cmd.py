"""``reconciler render [--env E] [KEY…]``: rendered API bodies as JSON on stdout."""

from __future__ import annotations

import json

import click

from reconciler.cli.common import CommonOptions, common_options, env_option, show_sensitive_option
from reconciler.commands.render import render as render_bodies
from reconciler.config import load_project
from reconciler.output.diagnostics import echo_diagnostics


@click.command()
@env_option(required=False)
@show_sensitive_option
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@common_options
def render(
    common: CommonOptions, env: str | None, show_sensitive: bool, keys: tuple[str, ...]
) -> int:
    """Print the API bodies the specs render to, as a JSON object keyed by campaign key.

    Recipients' numbers are masked unless --show-sensitive. --env is needed when the
    project has several environments. KEY may be a glob pattern.
    """
    project = load_project(project_dir=common.project_dir)
    result = render_bodies(
        project,
        env,
        keys,
        show_sensitive=show_sensitive,
        var_args=common.var_args,
        var_files=common.var_files,
        os_environ=common.runtime.environ,
    )
    if common.verbosity >= 0:
        echo_diagnostics(result.warnings)
    click.echo(json.dumps(result.bodies, indent=2, ensure_ascii=False))
    return 0
