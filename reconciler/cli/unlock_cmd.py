"""``reconciler unlock --env E LOCK_ID``: remove what remains of a hung writer's lock."""

from __future__ import annotations

import click

from reconciler.cli.common import (
    CommonOptions,
    auto_approve_option,
    common_options,
    env_option,
    terminal_asker,
)
from reconciler.commands.approval import require_approval
from reconciler.commands.state import held_lock, unlock_environment
from reconciler.config import load_project


@click.command()
@click.argument("lock_id")
@env_option()
@auto_approve_option
@common_options
def unlock(common: CommonOptions, lock_id: str, env: str, auto_approve: bool) -> int:
    """Remove the environment's lock LOCK_ID, left by a writer that hangs.

    A lock frees itself when its holder dies; use this only for a holder that is still
    alive but stuck. Its id is in the error a second writer gets.
    """
    project = load_project(project_dir=common.project_dir)
    environment = project.environment(env, common.runtime.environ)
    holder = held_lock(environment, lock_id)  # nothing held, another id: refused, not asked
    if not auto_approve:
        question = (
            f"Remove lock {lock_id} of environment {env}? It is held by {holder.describe()}.\n"
            "If that writer is still working, two writers may then run at once."
        )
        require_approval(
            terminal_asker(),
            question,
            auto_approve=False,
            command="unlock",
            declined="unlock cancelled; nothing was changed",
        )
    removed = unlock_environment(environment, lock_id)
    click.echo(f"Removed lock {lock_id} of environment {env} (was {removed.describe()}).")
    return 0
