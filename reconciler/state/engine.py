"""Engines for a state location, and the translation of driver errors into StateError.

SQLite is tuned for durability (WAL, ``synchronous=FULL``) and opened with explicit
``BEGIN`` so that a snapshot is one transaction. That tuning is the writer's only (it
switches the file to WAL mode): readers open the file with ``connect_readonly``, which
can never create, write or change a file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from reconciler.errors import StateError, relative_to_root
from reconciler.state.location import StateLocation
from reconciler.state.sqlite_reader import (
    BUSY_TIMEOUT_MS,
    connect_readonly,
    driver_hint,
    driver_reason,
    in_wal_mode,
)

log = logging.getLogger(__name__)


def writer_engine(location: StateLocation) -> Engine:
    """A SQLite state's engine for its writer (the file made with ``create_private_file``
    first); a server database's store has one engine for everything (``server_engine``)."""
    # No pooled connections: each use sees the file as it is now, and nothing lingers.
    engine = create_engine(location.url, poolclass=NullPool)
    _tune_sqlite(engine, readonly=False)
    return engine


def reader_engine(location: StateLocation) -> Engine:
    """An engine that can only read (SQLite: ``connect_readonly``: no file is ever created)."""
    if location.path is None:
        return server_engine(location)
    connect = functools.partial(connect_readonly, location.path)
    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
    _tune_sqlite(engine, readonly=True)
    return engine


def server_engine(location: StateLocation) -> Engine:
    connect_args: dict[str, Any] = {}
    if location.url.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": 15, "application_name": "reconciler"}
    try:
        return create_engine(location.url, connect_args=connect_args, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StateError(
            f"no database driver for state {location.display}",
            hint='for PostgreSQL install "campaign-reconciler[postgres]" (psycopg)',
        ) from exc


def create_private_file(path: Path) -> None:
    """Create the directory and an empty 0600 SQLite file, unless it exists."""
    # Created here, 0600, before SQLite touches it: SQLite would honour the umask.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _tune_sqlite(engine: Engine, *, readonly: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    # A writer takes SQLite's write lock at BEGIN: a deferred transaction that read first
    # could not upgrade after another connection's commit (SQLITE_BUSY_SNAPSHOT, no retry).
    begin = "BEGIN" if readonly else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def rest_in_rollback_mode(path: Path) -> None:
    """Leave a SQLite state in rollback-journal mode once its writer is done.

    WAL speeds the many small commits of an apply, but a file left in WAL mode makes
    every later reader, even a ``mode=ro`` one such as ``plan``, create -wal and -shm
    files beside it. Switching back checkpoints the WAL into the file first. A reader
    still inside a transaction makes this fail (busy): the file then stays in WAL mode,
    which is only untidy, so it is logged and not raised.
    """
    if not path.exists() or not in_wal_mode(path):
        return  # nothing to switch back: open nothing that could write
    try:
        conn = sqlite3.connect(str(path), timeout=5)
        try:
            conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("state %s stays in WAL mode: %s", path.name, exc)


def private_sidecars(path: Path) -> None:
    """Make SQLite's -wal/-shm files private too (they hold the same data)."""
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if side.stat().st_mode & 0o077:
                side.chmod(0o600)


@contextlib.contextmanager
def translated(location: StateLocation, doing: str) -> Iterator[None]:
    """Turn driver and file errors into a StateError naming the state (password masked)."""
    try:
        yield
    except StateError:
        raise
    except OSError as exc:  # a SQLite state's folder or files (lock, state) cannot be made
        reason, hint = _file_problem(location, exc)
        raise StateError(f"cannot {doing} state {location.display}: {reason}", hint=hint) from None
    except DBAPIError as exc:
        raise StateError(
            f"cannot {doing} state {location.display}: {_reason(location, exc)}",
            hint=driver_hint(str(exc.orig)),
        ) from None
    except SQLAlchemyError as exc:
        raise StateError(
            f"cannot {doing} state {location.display}: {_scrub(location, str(exc))}"
        ) from None


def _file_problem(location: StateLocation, exc: OSError) -> tuple[str, str]:
    """What is wrong with the files of a SQLite state, and the hint that fixes it."""
    path = location.path or location.root
    named = Path(exc.filename) if isinstance(exc.filename, str) else path
    shown = relative_to_root(named, location.root)
    setting = f"`state:` of environment {location.environment!r}"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return (
                f"{relative_to_root(blocker, location.root)} is a file, not a folder",
                f"point {setting} at a file inside a folder",
            )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        folder = relative_to_root(path.parent, location.root)
        if named.parent == path.parent and not named.exists():
            shown = f"folder {folder}"  # a file beside the state (lock, details) cannot be made
        return (
            f"{shown}: {(exc.strerror or 'permission denied').lower()}",
            f"a writer creates the state and its lock file in {folder}: make that folder "
            f"and the state writable for this user, or point {setting} elsewhere",
        )
    return f"{shown}: {exc.strerror or exc}", ""


def _reason(location: StateLocation, exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return _scrub(location, driver_reason(text) or type(exc.orig).__name__)


def _scrub(location: StateLocation, text: str) -> str:
    password = location.url.password
    if password:
        text = text.replace(str(password), "***")
    return text.split("\n(Background on this error")[0]
