"""``reconciler envs [--env E] [--format json]``: environments and their resolved settings."""

from __future__ import annotations

import json

import click

from reconciler.cli.common import CommonOptions, common_options, env_option, format_option


@click.command()
@env_option(required=False)
@format_option(("text", "json"))
@common_options
def envs(common: CommonOptions, env: str | None, output_format: str) -> int:
    """Show each environment's resolved settings: API, state, token variable, guards.

    No secret is shown: the token only by its variable's name and whether it is set, a
    state URL with its password masked. Reads no state and sends nothing.
    """
    from reconciler.commands.envs import describe_envs, render_envs_text
    from reconciler.config import load_project

    project = load_project(project_dir=common.project_dir)
    described = describe_envs(project, env, os_environ=common.runtime.environ)
    if output_format == "json":
        click.echo(json.dumps(described, indent=2, ensure_ascii=False))
    else:
        click.echo(render_envs_text(described), nl=False)
    return 0
