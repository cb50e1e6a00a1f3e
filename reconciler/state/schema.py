"""The state's schema version: alembic migrations, run programmatically on a shared connection.

Writers bring an older schema up to date (a SQLite file is copied aside first); readers
never migrate and say which command does; a schema newer than this version is refused.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Connection, inspect, select, text

from reconciler.errors import StateError
from reconciler.state.location import StateLocation
from reconciler.state.revisions import (
    SchemaStatus,
    head_revision,
    refuse_unusable,
    status_of,
)
from reconciler.state.tables import meta

__all__ = ["SchemaStatus", "head_revision", "schema_status", "stored_binding", "upgrade"]

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "reconciler.state:migrations"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, None when it has no schema yet.

    Read as alembic's ``MigrationContext`` does (its default version table), without alembic.
    """
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise StateError(f"the state's schema has several revisions ({', '.join(rows)})")
    return str(rows[0]) if rows else None


def schema_status(connection: Connection) -> tuple[SchemaStatus, str | None]:
    """Where the database's schema stands relative to this version."""
    # The tables first, then the revision: on PostgreSQL each statement of a read sees
    # what was committed before it, and a writer creating the state may commit between
    # the two. Read in this order, a state created meanwhile reads as missing or as
    # current; the other way round it read as "older, revision None" and a concurrent
    # apply's preview refused with a message telling the user to upgrade.
    has_meta = inspect(connection).has_table("meta")
    revision = current_revision(connection)
    return status_of(has_meta, [] if revision is None else [revision])


def stored_binding(connection: Connection) -> tuple[str, str] | None:
    """The (environment, api_url) a state is bound to, read before any migration.

    Every schema revision has these two ``meta`` columns; None when nothing is bound yet.
    """
    status, _ = schema_status(connection)
    if status in (SchemaStatus.MISSING, SchemaStatus.NEWER):
        return None  # nothing to check, or refused by ``upgrade`` itself
    row = connection.execute(select(meta.c.environment, meta.c.api_url)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def upgrade(connection: Connection, location: StateLocation) -> str | None:
    """Bring the schema to head in the connection's transaction; returns the old revision.

    A SQLite state with an older schema is copied to ``<file>.bak-<revision>`` first.
    """
    status, revision = schema_status(connection)
    if status is SchemaStatus.CURRENT:
        return revision
    if status is SchemaStatus.NEWER:
        refuse_unusable(location.display, location.environment, status, revision)
    if status is SchemaStatus.OLDER and location.path is not None:
        backup_sqlite(location.path, revision or "unversioned")
    from alembic import command

    command.upgrade(_config(connection), "head")
    return revision


def backup_path(path: Path, revision: str) -> Path:
    """Where the copy of a SQLite state goes before migrating from ``revision``."""
    return path.with_name(f"{path.name}.bak-{revision}")


def backup_sqlite(path: Path, revision: str) -> Path:
    """Copy a SQLite state (WAL content included) to a private backup file."""
    target = backup_path(path, revision)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    source = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target
