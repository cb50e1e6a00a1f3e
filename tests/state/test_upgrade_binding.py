"""``state upgrade`` refuses another environment's state before migrating or copying it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from reconciler.cli import main
from reconciler.errors import StateError
from reconciler.state import open_store
from reconciler.state.engine import create_private_file
from reconciler.state.location import resolve_location
from reconciler.state.schema import _config
from tests.state.conftest import StateTarget
from tests.state.helpers import locked
from tests.support.projects import environment, make_project

DEV_API = "https://dev.example.test"


def _make_v1_state(target: StateTarget) -> None:
    """A first-schema state bound to environment ``dev`` and DEV_API."""
    location = resolve_location(target.location, "dev", root=target.root)
    if location.path is not None:
        create_private_file(location.path)
    engine = create_engine(location.url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO meta (id, lineage, serial, environment, api_url, created_at) "
                "VALUES (1, 'lineage-v1', 3, 'dev', :api, :now)"
            ),
            {"api": DEV_API, "now": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()


def _revision(target: StateTarget) -> str:
    location = resolve_location(target.location, "dev", root=target.root)
    engine = create_engine(location.url)
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    return str(revision)


def _upgrade(target: StateTarget, environment: str, api_url: str | None) -> None:
    store = open_store(target.location, environment, root=target.root, api_url=api_url)
    try:
        with store.locked(f"state upgrade --env {environment}") as writer:
            writer.upgrade()
    finally:
        store.close()


def _backups(target: StateTarget) -> list[str]:
    folder = target.root / ".reconciler"
    return sorted(p.name for p in folder.glob("*.bak-*")) if folder.exists() else []


@pytest.mark.parametrize(
    ("environment", "api_url", "message"),
    [
        ("prod", DEV_API, "belongs to environment 'dev', not 'prod'"),
        ("dev", "https://prod.example.test", f"is bound to API {DEV_API}"),
    ],
)
def test_upgrade_leaves_a_foreign_first_revision_state_untouched(
    target: StateTarget, environment: str, api_url: str, message: str
):
    """Another environment's (or API's) v1 state is neither migrated nor copied aside."""
    _make_v1_state(target)
    with pytest.raises(StateError, match=message) as err:
        _upgrade(target, environment, api_url)
    assert "own state" in err.value.hint
    assert _revision(target) == "0001"
    assert _backups(target) == []
    _upgrade(target, "dev", DEV_API)  # its own environment still upgrades it
    assert _revision(target) != "0001"


def test_upgrade_refuses_a_foreign_current_state(target: StateTarget):
    """A current state of ``dev`` is not reported as fine to ``--env prod``."""
    with locked(target, api_url=DEV_API):
        pass
    with pytest.raises(StateError, match="belongs to environment 'dev'"):
        _upgrade(target, "prod", DEV_API)


def test_state_upgrade_command_refuses_another_environments_state(tmp_path, capsys):
    """``state upgrade --env prod`` pointed at dev's file exits 1 with the binding error."""
    target = StateTarget("sqlite", ".reconciler/dev.sqlite", tmp_path)
    _make_v1_state(target)
    envs = [environment(env, DEV_API, state=target.location) for env in ("dev", "prod")]
    make_project(tmp_path, environments=envs)
    code = main(["state", "upgrade", "--env", "prod", "--project", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 1 and "belongs to environment 'dev', not 'prod'" in err
    assert "Upgraded" not in out and "Traceback" not in out + err
    assert _revision(target) == "0001" and _backups(target) == []
