"""Schema versions: migrations equal the tables, old states upgrade, newer ones are refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from reconciler.errors import StateError
from reconciler.state import read_snapshot
from reconciler.state.engine import create_private_file
from reconciler.state.location import resolve_location
from reconciler.state.schema import _config, head_revision
from reconciler.state.tables import metadata
from tests.state.conftest import StateTarget
from tests.state.helpers import created, fresh, intent, locked, open_target
from tests.support.factories import record_intents, record_outcome


def _engine(target: StateTarget):
    location = resolve_location(target.location, target.environment, root=target.root)
    if location.path is not None:
        create_private_file(location.path)
    return location, create_engine(location.url)


def _make_v1_state(target: StateTarget) -> None:
    """A state as the first schema version wrote it: one created campaign, one doubt."""
    _location, engine = _engine(target)
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO meta (id, lineage, serial, environment, api_url, created_at) "
                "VALUES (1, 'lineage-v1', 7, 'dev', 'sandbox', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO campaigns (key, campaign_id, name, fingerprint, source_fingerprint,"
                " body, ctx_id, created_by, created_at) VALUES ('old', 'cmp-old', 'Old',"
                " 'f', 's', '{\"name\": \"Old\"}', NULL, 'alice', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO attempts (key, kind, status, fingerprint, source_fingerprint, body,"
                " idempotency_key, started_at, actor) VALUES ('doubt', 'create', 'in_doubt',"
                " 'f', 's', NULL, 'idem', :now, 'alice')"
            ),
            {"now": now},
        )
    engine.dispose()


def test_migrations_equal_the_tables(target: StateTarget):
    """Upgrading an empty database to head yields exactly ``tables.metadata``."""
    _, engine = _engine(target)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diffs == []


def test_reader_refuses_an_older_schema_and_names_the_command(target: StateTarget):
    """``plan`` on a v1 state says how to upgrade it, and changes nothing."""
    _make_v1_state(target)
    with pytest.raises(StateError, match="older schema") as err:
        fresh(target)
    assert "reconciler state upgrade --env dev" in err.value.hint
    _, engine = _engine(target)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    engine.dispose()


def test_writer_migrates_a_first_revision_state_keeping_everything(target: StateTarget):
    """A writer upgrades a v1 state (SQLite: after a backup copy) and keeps its records."""
    _make_v1_state(target)
    with locked(target, api_url="sandbox") as store:
        snap = store.snapshot()
        [a] = record_intents(store, [intent("new")])
        record_outcome(store, created(a, "cmp-new"))
    after = fresh(target)
    assert snap.lineage == "lineage-v1" and snap.serial == 7
    assert snap.campaigns["old"].campaign_id == "cmp-old"
    assert snap.in_doubt["doubt"].run_id == ""  # the column added by 0002
    assert set(after.campaigns) == {"old", "new"} and after.serial == 9
    if target.backend == "sqlite":
        backup = target.root / ".reconciler" / "dev.sqlite.bak-0001"
        with sqlite3.connect(backup) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert conn.execute("SELECT key FROM campaigns").fetchall() == [("old",)]
        assert backup.stat().st_mode & 0o077 == 0


def test_state_upgrade_reports_revisions(target: StateTarget):
    """``upgrade`` moves a v1 state to head and says from where."""
    _make_v1_state(target)
    store = open_target(target)
    with store.locked("state upgrade") as writer:
        assert writer.upgrade() == ("0001", head_revision())
    store.close()
    assert fresh(target).serial == 7
    store = open_target(target)
    with store.locked("state upgrade") as writer:
        assert writer.upgrade() == (head_revision(), head_revision())
    store.close()


def test_newer_schema_is_refused(target: StateTarget):
    """A state written by a newer reconciler is refused by readers and writers alike."""
    with locked(target):
        pass
    _, engine = _engine(target)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StateError, match="newer version of reconciler"):
        fresh(target)
    store = open_target(target)
    with pytest.raises(StateError, match="newer version"), store.locked("apply") as writer:
        writer.bind("sandbox")
    store.close()


@pytest.mark.postgres
def test_database_errors_mask_the_password(pg_database: str, tmp_path):
    """A refused login gives a StateError that never shows the password."""
    from sqlalchemy.engine import make_url

    url = make_url(pg_database).set(password="s3cret-wrong")
    text_url = url.render_as_string(hide_password=False)
    with pytest.raises(StateError) as err:
        read_snapshot(text_url, "dev", root=tmp_path)
    shown = f"{err.value.message} {err.value.hint}"
    assert "s3cret-wrong" not in shown and "***" in shown
    assert "password" in err.value.hint
