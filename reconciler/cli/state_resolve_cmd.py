"""``state import``, ``state forget``, ``state recover``: settle what apply could not.

Attached to the ``state`` group in ``state_cmd.py``. Each takes the environment's lock,
is journaled, and says what it did on stdout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import click

from reconciler.campaign import DesiredCampaign
from reconciler.cli.common import (
    CommonOptions,
    auto_approve_option,
    common_options,
    env_option,
    lock_timeout_option,
    terminal_asker,
)
from reconciler.commands.resolve import (
    Resolution,
    forget_campaign,
    import_campaign,
    recover_journal,
)
from reconciler.config import Environment, Project, load_project
from reconciler.errors import ValidationFailed
from reconciler.state import open_store
from reconciler.state.base import StateStore


def _resolution(
    env: Environment, auto_approve: bool, lock_timeout: float, common: CommonOptions
) -> Resolution:
    return Resolution(
        env.name,
        env.api_url,
        auto_approve=auto_approve,
        confirm=terminal_asker(),
        lock_timeout=lock_timeout,
        runtime=common.runtime,
    )


def _spec_of(
    project: Project, env: str, key: str, common: CommonOptions
) -> Callable[[], DesiredCampaign | None]:
    """The spec's current campaign for ``key``, loaded only when import needs it."""

    def load() -> DesiredCampaign | None:
        result = common.inputs.load(project, env)
        if result.errors:
            raise ValidationFailed(result.diagnostics)
        return next((c for c in result.campaigns if c.key == key), None)

    return load


@contextmanager
def _opened(
    common: CommonOptions, env: str, *, for_recovery: bool = False
) -> Iterator[tuple[Project, Environment, StateStore]]:
    """The project, ``env``'s settings and its state store, closed afterwards."""
    project = load_project(project_dir=common.project_dir)
    environment = project.environment(env, common.runtime.environ)
    location, api_url = environment.state, environment.api_url
    store = open_store(location, env, root=project.root, api_url=api_url, for_recovery=for_recovery)
    with closing(store):
        yield project, environment, store


@click.command("import")
@click.argument("key")
@click.option("--id", "campaign_id", required=True, help="The campaign id in ContactSwing.")
@env_option()
@auto_approve_option
@lock_timeout_option
@common_options
def import_(
    common: CommonOptions,
    key: str,
    campaign_id: str,
    env: str,
    auto_approve: bool,
    lock_timeout: float,
) -> int:
    """Record KEY as created in ContactSwing with campaign id ID.

    Uses the body of its in-doubt attempt, or else the spec's current body, so that it
    then plans as unchanged. For a campaign in doubt that ContactSwing does have.
    """
    with _opened(common, env) as (project, environment, store):
        spec = _spec_of(project, env, key, common)
        how = _resolution(environment, auto_approve, lock_timeout, common)
        message = import_campaign(store, key, campaign_id, spec, how)
    click.echo(message)
    return 0


@click.command()
@click.argument("key")
@env_option()
@auto_approve_option
@lock_timeout_option
@common_options
def forget(
    common: CommonOptions, key: str, env: str, auto_approve: bool, lock_timeout: float
) -> int:
    """Drop KEY's record and in-doubt attempt so that the next apply may send it again.

    For a campaign in doubt that ContactSwing does NOT have. Forgetting a campaign that
    exists makes the next apply create it a second time.
    """
    with _opened(common, env) as (_, environment, store):
        message = forget_campaign(
            store, key, _resolution(environment, auto_approve, lock_timeout, common)
        )
    click.echo(message)
    return 0


@click.command()
@env_option()
@lock_timeout_option
@common_options
def recover(common: CommonOptions, env: str, lock_timeout: float) -> int:
    """Merge the fallback journal (outcomes the state could not take) into the state."""
    with _opened(common, env, for_recovery=True) as (_, environment, store):
        message = recover_journal(store, _resolution(environment, True, lock_timeout, common))
    click.echo(message)
    return 0
