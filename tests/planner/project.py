"""A project's desired campaigns and a state writer for them, for the planner tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reconciler.config import load_project
from reconciler.specs.loader import load_campaigns, resolve_variables
from reconciler.state import open_store
from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign
from tests.support.factories import CREATED_AT, record_intents
from tests.support.projects import PROD_URL

API_URLS = {"dev": "sandbox", "prod": PROD_URL}


def desired(root: Path, env: str = "dev", os_environ: Mapping[str, str] | None = None) -> dict:
    """The project's desired campaigns for ``env``, by key (``os_environ``: the run's OS)."""
    project = load_project(project_dir=root)
    environ = dict(os_environ or {})
    variables = resolve_variables(project, env, os_environ=environ)
    result = load_campaigns(project, env, variables, os_environ=environ)
    assert not result.errors, result.errors
    return {d.key: d for d in result.campaigns}


def write_state(
    root: Path,
    env: str = "dev",
    *,
    created: tuple[str, ...] = (),
    in_doubt: tuple[str, ...] = (),
    os_environ: Mapping[str, str] | None = None,
) -> None:
    """Record ``created`` keys (as their current specs, rendered in a run whose OS holds
    ``os_environ``) and in-doubt attempts in ``env``'s state."""
    specs = desired(root, env, os_environ)
    store = open_store(f".reconciler/{env}.sqlite", env, root=root, api_url=API_URLS[env])
    try:
        with store.locked("test") as writer:
            writer.bind(API_URLS[env])
            for key in created:
                d = specs[key]
                writer.import_campaign(
                    RecordedCampaign(
                        key,
                        f"cmp-{key}",
                        d.name,
                        d.fingerprint,
                        d.source_fingerprint,
                        d.body,
                        None,
                        "test",
                        CREATED_AT,
                    )
                )
            record_intents(
                writer,
                [
                    Attempt(
                        0, key, "create", AttemptStatus.PENDING, "f", "s", None, "i", CREATED_AT
                    )
                    for key in in_doubt
                ],
            )
    finally:
        store.close()
