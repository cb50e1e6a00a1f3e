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
@click.option("--preview", is_flag=True, help="Print each message as the catalogue shows it.")
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@common_options
def render(
    common: CommonOptions,
    env: str | None,
    show_sensitive: bool,
    preview: bool,
    keys: tuple[str, ...],
) -> int:
    """Print the API bodies the specs render to, as a JSON object keyed by campaign key.

    Recipients' numbers are masked unless --show-sensitive. --env is needed when the
    project has several environments. KEY may be a glob pattern.
    --preview prints each message instead (static params filled in, dynamic ones by
    name); it needs a catalog.
    """
    project = load_project(project_dir=common.project_dir)
    result = render_bodies(
        project, env, keys, common.inputs, show_sensitive=show_sensitive, preview=preview
    )
    if common.verbosity >= 0:
        echo_diagnostics(result.warnings)
    if result.previews is not None:
        for key, text in result.previews.items():
            click.echo(f"# {key}\n{text or '(template not in the catalogue)'}\n")
        return 0
    click.echo(json.dumps(result.bodies, indent=2, ensure_ascii=False))
    return 0
