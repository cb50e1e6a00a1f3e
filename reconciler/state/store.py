"""``SqlStateStore``: one environment's state in SQLite or any SQLAlchemy database.

The store reads and locks; it has no method that writes. ``locked()`` takes the
environment lock and yields a ``SqlStateWriter`` (``state/writer.py``), the only object
that writes, which ends with the lock. Outside the lock a SQLite file is read with
``connect_readonly``; a SQLite writer's engine (WAL, ``synchronous``) exists only while
the lock is held.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Engine

from reconciler.errors import StateError
from reconciler.state import fallback
from reconciler.state.base import LockInfo, StateSnapshot
from reconciler.state.binding import Binding
from reconciler.state.engine import rest_in_rollback_mode, server_engine, translated, writer_engine
from reconciler.state.location import StateLocation
from reconciler.state.locking import (
    AdvisoryLock,
    EnvironmentLock,
    FileLock,
    acquire,
    new_lock_info,
)
from reconciler.state.server_reader import ReadsThrough, ServerReader, reader_at
from reconciler.state.sqlite_reader import SqliteReader
from reconciler.state.writer import SchemaGate, SqlStateWriter


class SqlStateStore(ReadsThrough):
    """The state of one environment. Use ``open_store`` to get one."""

    def __init__(
        self,
        location: StateLocation,
        *,
        api_url: str | None = None,
        for_recovery: bool = False,
    ) -> None:
        self.location = location
        self._for_recovery = for_recovery
        self._binding = Binding(location.environment, api_url or None)
        self._schema = SchemaGate(location, self._binding)
        # A server database's engine, for reads, its writers and its lock. A SQLite file
        # is read with ``SqliteReader`` and written with an engine made under the lock.
        self._engine: Engine | None = None
        if location.path is None:
            with translated(location, "open"):
                self._engine = server_engine(location)
        self._held = False
        self._lock: EnvironmentLock = FileLock(location)
        if (engine := self._engine) is not None:
            # The ``locks`` table must exist before the lock's holder is recorded in it.
            self._lock = AdvisoryLock(location, engine, lambda: self._schema.ensure(engine))

    # -- reading -----------------------------------------------------------------

    def reader(self) -> SqliteReader | ServerReader:
        """A reader of this state: it creates, migrates and changes nothing."""
        return reader_at(self.location, self._engine, self._binding, self._lock.holder)

    def snapshot(self) -> StateSnapshot:
        return self.reader().snapshot()

    # -- locking -----------------------------------------------------------------

    @contextmanager
    def locked(
        self, command: str, timeout: float = 0.0, *, environ: Mapping[str, str] | None = None
    ) -> Iterator[SqlStateWriter]:
        """Hold the environment's lock and yield its writer; a second writer fails (or
        waits ``timeout`` s). ``environ`` (the runtime's variables) names the CI run."""
        if self._held:
            raise StateError("the environment lock is already held by this process")
        info = new_lock_info(self.environment, command, environ or {})
        with translated(self.location, "lock"):
            acquire(self._lock, self.location, info, timeout)
        self._held = True
        writer: SqlStateWriter | None = None
        sqlite_engine: Engine | None = None
        try:
            if self._engine is None:
                with translated(self.location, "open"):
                    sqlite_engine = writer_engine(self.location)
            engine = self._engine or sqlite_engine
            assert engine is not None
            writer = SqlStateWriter(
                self.location, engine, info, self._lock, self._schema, self._binding
            )
            if not self._for_recovery:
                # Checked again under the lock: a writer that waited (--lock-timeout) may
                # take over from one that had to leave outcomes in the fallback journal.
                fallback.refuse_if_pending(self.location)
            yield writer
        finally:
            self._release(writer, sqlite_engine)

    def _release(self, writer: SqlStateWriter | None, sqlite_engine: Engine | None) -> None:
        self._held = False
        if writer is not None:
            writer.end()
        if sqlite_engine is not None:
            sqlite_engine.dispose()
        if self.location.path is not None:
            rest_in_rollback_mode(self.location.path)  # while still holding the lock
        with translated(self.location, "unlock"):
            self._lock.release()

    def unlock(self, lock_id: str) -> LockInfo:
        """Remove what remains of a hung holder's lock; ``lock_id`` must match it."""
        with translated(self.location, "unlock"):
            return self._lock.unlock(lock_id)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
