"""``reconciler unlock --env E LOCK_ID``: remove what remains of a hung writer's lock."""

from __future__ import annotations

import sys

import click

from reconciler.cli.common import CommonOptions, common_options, env_option
from reconciler.commands.state import current_holder, unlock_environment
from reconciler.config import load_project
from reconciler.errors import AbortedError


@click.command()
@click.argument("lock_id")
@env_option()
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@common_options
def unlock(common: CommonOptions, lock_id: str, env: str, auto_approve: bool) -> int:
    """Remove the environment's lock LOCK_ID, left by a writer that hangs.

    A lock frees itself when its holder dies; use this only for a holder that is still
    alive but stuck. Its id is in the error a second writer gets.
    """
    environment = load_project(project_dir=common.project_dir).environment(env)
    if not auto_approve:
        holder = current_holder(environment)
        who = holder.describe() if holder else "no live holder (its details may remain)"
        question = (
            f"Remove lock {lock_id} of environment {env}? It is held by {who}.\n"
            "If that writer is still working, two writers may then run at once."
        )
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise AbortedError(
                "unlock needs confirmation and there is no terminal to ask",
                hint="pass --auto-approve",
            )
        answer: str = click.prompt(
            f"{question}\n  Only 'yes' will be accepted", default="", show_default=False, err=True
        )
        if answer.strip() != "yes":
            raise AbortedError("unlock cancelled; nothing was changed")
    removed = unlock_environment(environment, lock_id)
    click.echo(f"Removed lock {lock_id} of environment {env} (was {removed.describe()}).")
    return 0
