"""The state store: what was created in ContactSwing, per environment.

Writers use ``open_store`` (then ``store.lock()``, ``store.bind()``); readers use
``read_snapshot`` or ``open_reader``, which never create, migrate or change anything.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from reconciler.errors import StateError
from reconciler.state.base import StateSnapshot
from reconciler.state.copying import CopyResult, read_all, refuse_non_empty, write_all
from reconciler.state.engine import reader_engine, translated
from reconciler.state.fallback import refuse_if_pending, write_fallback
from reconciler.state.location import StateLocation, resolve_location
from reconciler.state.recovery import RecoverResult
from reconciler.state.schema import SchemaStatus, refuse_unusable, schema_status
from reconciler.state.store import SqlStateStore
from reconciler.state.tables import meta

__all__ = [
    "CopyResult",
    "RecoverResult",
    "SqlStateStore",
    "StateLocation",
    "copy_state",
    "open_reader",
    "open_store",
    "read_snapshot",
    "resolve_location",
    "write_fallback",
]


def open_store(
    location: str,
    environment: str,
    *,
    root: Path,
    api_url: str | None = None,
    for_recovery: bool = False,
) -> SqlStateStore:
    """A writer's store. Refuses while a fallback journal waits (unless ``for_recovery``)."""
    resolved = resolve_location(location, environment, root=root)
    if not for_recovery:
        refuse_if_pending(resolved)
    return SqlStateStore(resolved, api_url=api_url, for_recovery=for_recovery)


def open_reader(
    location: str, environment: str, *, root: Path, api_url: str | None = None
) -> SqlStateStore:
    """A read-only store (``state list``/``show``): creates, migrates and changes nothing."""
    resolved = resolve_location(location, environment, root=root)
    refuse_if_pending(resolved)
    return SqlStateStore(resolved, readonly=True, api_url=api_url)


def read_snapshot(
    location: str, environment: str, *, root: Path, api_url: str | None = None
) -> StateSnapshot:
    """The state as the planner sees it; a missing state is ``StateSnapshot.empty``."""
    store = open_reader(location, environment, root=root, api_url=api_url)
    try:
        return store.snapshot()
    finally:
        store.close()


def stored_environment(location: str, *, root: Path) -> str:
    """The environment a state is bound to (for ``state migrate``, which has no --env)."""
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
                refuse_unusable(resolved, status, revision)
            row = conn.execute(select(meta.c.environment)).scalar()
    finally:
        engine.dispose()
    if row is None:
        raise StateError(f"the state at {resolved.display} was never written")
    return str(row)


def copy_state(
    source: str, target: str, *, root: Path, command: str = "state migrate"
) -> CopyResult:
    """Copy a whole state into an empty store, holding both environments' locks."""
    environment = stored_environment(source, root=root)
    src = open_store(source, environment, root=root)
    dst = open_store(target, environment, root=root)
    if src.location.url == dst.location.url:
        raise StateError("the source and the target of `state migrate` are the same store")
    try:
        with src.lock(command), dst.lock(command):
            with translated(src.location, "read"), src.ready_engine().begin() as conn:
                rows = read_all(conn)
            with translated(dst.location, "write"), dst.ready_engine().begin() as conn:
                refuse_non_empty(conn, dst.location.display)
                return write_all(conn, rows)
    finally:
        src.close()
        dst.close()
