"""The state store: what was created in ContactSwing, per environment.

Readers use ``read_snapshot`` or ``open_reader``: a ``StateReader`` has no method that
writes. Writers use ``open_store``, whose store has none either: ``with store.locked(...)
as writer:`` yields the only object that writes, and it ends with the lock.

This module stays light: SQLAlchemy and alembic are imported when a store is opened,
not when the value types of ``reconciler.state.base`` are (every command imports them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import StateError
from reconciler.state.base import RecordedCampaign, RecoverResult, StateReader, StateSnapshot

if TYPE_CHECKING:
    from reconciler.state.binding import Binding
    from reconciler.state.copying import CopyResult
    from reconciler.state.fallback import write_fallback
    from reconciler.state.location import StateLocation, resolve_location
    from reconciler.state.store import SqlStateStore

__all__ = [
    "CopyResult",
    "RecoverResult",
    "SqlStateStore",
    "StateLocation",
    "copy_state",
    "open_reader",
    "open_store",
    "read_bodies",
    "read_snapshot",
    "resolve_location",
    "write_fallback",
]

# Re-exported names, imported on first use (PEP 562).
_LAZY = {
    "CopyResult": "reconciler.state.copying",
    "SqlStateStore": "reconciler.state.store",
    "StateLocation": "reconciler.state.location",
    "resolve_location": "reconciler.state.location",
    "write_fallback": "reconciler.state.fallback",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(
    location: str,
    environment: str,
    *,
    root: Path,
    api_url: str | None = None,
    for_recovery: bool = False,
) -> SqlStateStore:
    """A writer's store: it reads and locks; ``store.locked()`` yields its writer.

    Refuses while a fallback journal waits (unless ``for_recovery``)."""
    from reconciler.state.fallback import refuse_if_pending
    from reconciler.state.location import resolve_location
    from reconciler.state.store import SqlStateStore

    resolved = resolve_location(location, environment, root=root)
    if not for_recovery:
        refuse_if_pending(resolved)
    return SqlStateStore(resolved, api_url=api_url, for_recovery=for_recovery)


def open_reader(
    location: str, environment: str, *, root: Path, api_url: str | None = None
) -> StateReader:
    """A reader (``plan``, ``state list``/``show``): it creates, migrates and changes nothing.

    A plain-path SQLite state is read with the stdlib ``sqlite3`` (``SqliteReader``; no
    SQLAlchemy import: ~0.14 s of every plan); a database URL through ``ServerReader``.
    """
    from reconciler.state.binding import Binding
    from reconciler.state.fallback import refuse_if_pending
    from reconciler.state.paths import sqlite_file
    from reconciler.state.sqlite_reader import SqliteReader

    binding = Binding(environment, api_url)
    path = sqlite_file(location, root)
    if path is None:
        from reconciler.state.location import resolve_location  # imports SQLAlchemy

        resolved = resolve_location(location, environment, root=root)
        if resolved.path is None:
            return _server_reader(resolved, binding)
        path = resolved.path
    reader = SqliteReader(path, root, binding)
    refuse_if_pending(reader)
    return reader


def _server_reader(resolved: StateLocation, binding: Binding) -> StateReader:
    from reconciler.state.engine import server_engine, translated
    from reconciler.state.fallback import refuse_if_pending
    from reconciler.state.locking import AdvisoryLock
    from reconciler.state.server_reader import ServerReader

    refuse_if_pending(resolved)
    with translated(resolved, "open"):
        engine = server_engine(resolved)
    lock = AdvisoryLock(resolved, engine, lambda: None)  # asked who holds it, never taken
    return ServerReader(resolved, engine, binding, lock.holder)


def read_snapshot(
    location: str, environment: str, *, root: Path, api_url: str | None = None
) -> StateSnapshot:
    """The state as the planner sees it (no bodies); a missing state is ``StateSnapshot.empty``."""
    with closing(open_reader(location, environment, root=root, api_url=api_url)) as reader:
        return reader.snapshot()


def read_bodies(
    location: str,
    environment: str,
    records: Iterable[RecordedCampaign],
    *,
    root: Path,
    api_url: str | None = None,
) -> dict[str, RecordedCampaign]:
    """``records`` (from an earlier snapshot) with their bodies, read-only, per key.

    A record forgotten or re-recorded since the snapshot is a StateError: its body
    would not be the one that was planned against.
    """
    wanted = {r.key: r for r in records}
    if not wanted:
        return {}
    with closing(open_reader(location, environment, root=root, api_url=api_url)) as reader:
        found = reader.bodies(wanted)
    for key, record in wanted.items():
        loaded = found.get(key)
        if loaded is None or (loaded.campaign_id, loaded.fingerprint) != (
            record.campaign_id,
            record.fingerprint,
        ):
            raise StateError(
                f"the state of environment {environment!r} changed while planning "
                f"({key!r} was re-recorded or forgotten)",
                hint="run the command again",
            )
    return found


def stored_environment(location: str, *, root: Path) -> str:
    """The environment a state is bound to (for ``state migrate``, which has no --env)."""
    from sqlalchemy import select

    from reconciler.state.engine import reader_engine, translated
    from reconciler.state.location import resolve_location
    from reconciler.state.revisions import refuse_unusable
    from reconciler.state.schema import SchemaStatus, schema_status
    from reconciler.state.tables import meta

    resolved = resolve_location(location, "?", root=root)
    if not resolved.exists():
        raise StateError(f"there is no state at {resolved.display}")
    engine = reader_engine(resolved)
    try:
        with translated(resolved, "read"), engine.connect() as conn:
            status, revision = schema_status(conn)
            if status is SchemaStatus.MISSING:
                raise StateError(f"there is no state at {resolved.display}")
            if status is SchemaStatus.NEWER:
                refuse_unusable(resolved.display, resolved.environment, status, revision)
            row = conn.execute(select(meta.c.environment)).scalar()
    finally:
        engine.dispose()
    if row is None:
        raise StateError(f"the state at {resolved.display} was never written")
    return str(row)


def copy_state(
    source: str,
    target: str,
    *,
    root: Path,
    command: str = "state migrate",
    environ: Mapping[str, str] | None = None,
) -> CopyResult:
    """Copy a whole state (bodies included) into an empty store, holding both locks."""
    from reconciler.state.copying import read_all, refuse_non_empty, write_all
    from reconciler.state.engine import translated

    environment = stored_environment(source, root=root)
    src = open_store(source, environment, root=root)
    dst = open_store(target, environment, root=root)
    if src.location.url == dst.location.url:
        raise StateError("the source and the target of `state migrate` are the same store")
    try:
        with (
            src.locked(command, environ=environ) as reading,
            dst.locked(command, environ=environ) as writing,
        ):
            with translated(src.location, "read"), reading.ready_engine().begin() as conn:
                rows = read_all(conn)
            with translated(dst.location, "write"), writing.ready_engine().begin() as conn:
                refuse_non_empty(conn, dst.location.display)
                return write_all(conn, rows)
    finally:
        src.close()
        dst.close()
