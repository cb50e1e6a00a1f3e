"""``SqlStateStore``: one environment's state in SQLite or any SQLAlchemy database.

Every write is one transaction that bumps the serial. Writes need the environment lock
(``lock()``), which also lets the store create or migrate the schema; reads never do.
Reads go through a ``StateReader`` (``reader()``: SQLite's opens the file read-only
outside the lock), which has no method that writes; a SQLite writer's engine (WAL,
``synchronous``) exists only while the store holds the lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, update

from reconciler.errors import StateError, StateLockedError
from reconciler.state import fallback, schema
from reconciler.state.base import (
    Attempt,
    LockInfo,
    RecordedCampaign,
    StateSnapshot,
    StepShortcuts,
)
from reconciler.state.binding import Binding, normalise_api_url
from reconciler.state.engine import (
    create_private_file,
    private_sidecars,
    rest_in_rollback_mode,
    server_engine,
    translated,
    writer_engine,
)
from reconciler.state.location import StateLocation
from reconciler.state.locking import (
    AdvisoryLock,
    EnvironmentLock,
    FileLock,
    acquire,
    new_lock_info,
)
from reconciler.state.recovery import RecoverResult, merge_fallback
from reconciler.state.rows import now
from reconciler.state.server_reader import ServerReader, read_meta
from reconciler.state.sqlite_reader import SqliteReader, connect_for_writer, connect_readonly
from reconciler.state.tables import locks, meta
from reconciler.state.writes import (
    forget_key,
    import_record,
    move_record,
    write_step,
)

T = TypeVar("T")
_BUMP_SERIAL = update(meta).values(serial=meta.c.serial + 1)


class SqlStateStore(StepShortcuts):
    """The state of one environment. Use ``open_store``/``read_snapshot`` to get one."""

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
        # A server database's engine, for reads, writes (under the lock) and its lock. A
        # SQLite file is read with ``SqliteReader`` and written with ``_sqlite_writer``.
        self._engine: Engine | None = None
        if location.path is None:
            with translated(location, "open"):
                self._engine = server_engine(location)
        self._sqlite_writer: Engine | None = None  # SQLite, only while the lock is held
        # Executor threads share the store: one write transaction (and migration) at a time.
        self._mutex = threading.RLock()
        self._schema_ready = False
        self._schema_before: str | None = None  # the revision found before migrating
        self._held: LockInfo | None = None
        # SQLite: the writer's connection, kept open while the lock is held. The engine
        # opens one per use (NullPool), and closing the last connection of a WAL database
        # checkpoints and deletes the WAL: 3x the cost of each durable write (measured:
        # benchmarks/RESULTS.md). Kept open, a commit is one WAL append + fsync, and no
        # write pays for opening a connection and its PRAGMAs again.
        self._writer: Connection | None = None
        self._bound_under: str | None = None  # the lock under which the binding was read
        self._lock: EnvironmentLock = (
            FileLock(location)
            if self._engine is None
            else AdvisoryLock(location, self._engine, self._ensure_schema)
        )

    @property
    def environment(self) -> str:
        return self.location.environment

    @property
    def display(self) -> str:
        return self.location.display

    # -- reading -----------------------------------------------------------------

    def reader(self) -> SqliteReader | ServerReader:
        """The reader of this state now: under the lock, the writer's (after migrating)."""
        path = self.location.path
        if self._held is not None:
            self._ensure_schema()  # a writer migrates before it reads
        if self._engine is not None:
            return ServerReader(self.location, self._engine, self._binding, self._lock.holder)
        assert path is not None  # no server engine: a SQLite file
        connect = connect_readonly if self._held is None else connect_for_writer
        return SqliteReader(path, self.location.root, self._binding, connect)

    def snapshot(self) -> StateSnapshot:
        """Everything the planner needs, read in one transaction; outside the lock, then the
        lock's live holder (a reader's ``writer``: its pending attempts are in flight)."""
        reader = self.reader()
        return reader.snapshot() if self._held is None else reader.snapshot_only()

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        """The records of ``keys`` with their bodies; keys not recorded are absent."""
        return self.reader().bodies(keys)

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        """Every journal entry (of one key), oldest first."""
        return self.reader().journal(key)

    def _meta(self, conn: Connection) -> Mapping[Any, Any] | None:
        return read_meta(conn, self._binding, self.location.display)

    def lock_holder(self) -> LockInfo | None:
        """Who holds the environment's lock now, if anyone."""
        if self.location.path is not None and not self.location.path.parent.exists():
            return None
        with translated(self.location, "read the lock of"):
            return self._lock.holder()

    # -- locking and schema ------------------------------------------------------

    @contextmanager
    def lock(
        self, command: str, timeout: float = 0.0, *, environ: Mapping[str, str] | None = None
    ) -> Iterator[LockInfo]:
        """Hold the environment's lock; a second writer fails (or waits ``timeout`` s).

        ``environ`` (the runtime's variables) names the CI run in the lock's details.
        """
        if self._held is not None:
            raise StateError("the environment lock is already held by this process")
        info = new_lock_info(self.environment, command, environ or {})
        with translated(self.location, "lock"):
            acquire(self._lock, self.location, info, timeout)
        self._held = info
        try:
            if self.location.path is not None:
                with translated(self.location, "open"):
                    self._sqlite_writer = writer_engine(self.location)
            if not self._for_recovery:
                # Checked again under the lock: a writer that waited (--lock-timeout) may
                # take over from one that had to leave outcomes in the fallback journal.
                fallback.refuse_if_pending(self.location)
            yield info
        finally:
            self._held = None
            self._close_writer()
            if self._sqlite_writer is not None:
                self._sqlite_writer.dispose()
                self._sqlite_writer = None
            if self.location.path is not None:
                rest_in_rollback_mode(self.location.path)  # while still holding the lock
            with translated(self.location, "unlock"):
                self._lock.release()

    def unlock(self, lock_id: str) -> LockInfo:
        """Remove what remains of a hung holder's lock; ``lock_id`` must match it."""
        with translated(self.location, "unlock"):
            return self._lock.unlock(lock_id)

    def _require_lock(self) -> None:
        if self._held is None:
            raise StateError(
                "state writes need the environment lock (a bug: writers must use store.lock())"
            )
        if not self._lock.still_held():
            raise StateLockedError(
                f"the lock of environment {self.environment!r} was removed "
                "(`reconciler unlock`) while this process held it; nothing more is written",
                hint=f"run `reconciler state recover --env {self.environment}` if it asks to",
            )

    def _ensure_schema(self) -> None:
        """Create or migrate the schema (writers only, under the lock)."""
        with self._mutex:
            if not self._schema_ready:
                self._migrate()

    def _writing_engine(self) -> Engine:
        """The engine that may write: SQLite's exists only while the lock is held."""
        if self._engine is not None:
            return self._engine
        if self._sqlite_writer is None:
            raise StateError(
                "state writes need the environment lock (a bug: writers must use store.lock())"
            )
        return self._sqlite_writer

    def _migrate(self) -> None:
        if self.location.path is not None:
            with translated(self.location, "create"):
                create_private_file(self.location.path)  # 0600, before SQLite can create it
        with translated(self.location, "upgrade"), self._writing_engine().begin() as conn:
            # Another environment's state is refused before it is migrated or copied aside.
            if (bound := schema.stored_binding(conn)) is not None:
                self._binding.refuse_stored(self.location.display, *bound)
            self._schema_before = schema.upgrade(conn, self.location)
        if self.location.path is not None:
            private_sidecars(self.location.path)
        self._schema_ready = True

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One write transaction: on SQLite under the lock, on the connection kept open."""
        if self.location.path is None or self._held is None:
            with self._writing_engine().begin() as conn:
                yield conn
            return
        if self._writer is None:
            self._writer = self._writing_engine().connect()
        try:
            with self._writer.begin():
                yield self._writer
        except BaseException:
            self._close_writer()  # whatever failed, the next write starts afresh
            raise

    def _close_writer(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with contextlib.suppress(Exception):
                writer.close()

    def upgrade(self) -> tuple[str | None, str]:
        """``state upgrade``: migrate the schema to this version's; returns (old, new)."""
        self._require_lock()
        if not self.location.exists():
            return None, schema.head_revision()  # no state yet: nothing to upgrade, create nothing
        self._ensure_schema()
        return self._schema_before, schema.head_revision()

    # -- writing -----------------------------------------------------------------

    def _write(self, body: Callable[[Connection], T]) -> T:
        """Run ``body`` in one transaction that bumps the serial; needs a bound state."""
        self._require_lock()
        self._ensure_schema()
        with self._mutex, translated(self.location, "write"), self._transaction() as conn:
            self._fence(conn)
            self._check_bound(conn)
            result = body(conn)
            conn.execute(_BUMP_SERIAL)
        return result

    def _check_bound(self, conn: Connection) -> None:
        """The state is bound to this environment and API: read once per lock held (no
        other writer can change it meanwhile), not once per write."""
        assert self._held is not None  # _require_lock
        if self._bound_under == self._held.lock_id:
            return
        if self._meta(conn) is None:
            raise StateError(
                f"state {self.location.display} is not bound to its environment yet "
                "(a bug: writers call bind(api_url) first)"
            )
        self._bound_under = self._held.lock_id

    def _fence(self, conn: Connection) -> None:
        """A server database: write only while our ``locks`` row is there, and keep it there.

        ``still_held`` is checked before the transaction; the lock's session may end just
        after (a network cut, ``unlock``) and a new holder plan and send under its own lock.
        Reading our row FOR SHARE inside the write closes that gap: a new holder deletes
        every row when it takes the lock, so either that delete waits for this commit (and
        the new holder's plan sees what we wrote), or our row is gone and we write nothing.
        """
        if self.location.is_sqlite or self._held is None:
            return
        query = select(locks.c.lock_id).where(locks.c.lock_id == self._held.lock_id)
        if conn.execute(query.with_for_update(read=True)).first() is None:
            raise StateLockedError(
                f"the lock of environment {self.environment!r} was lost (its database "
                "session ended) while this process held it; nothing more is written",
                hint=f"run `reconciler state recover --env {self.environment}` if it asks to",
            )

    def bind(self, api_url: str) -> None:
        """Create the state on first write, bound to this environment and API; else check."""
        self._require_lock()
        self._ensure_schema()
        url = normalise_api_url(api_url)
        self._binding = Binding(self.environment, url)
        with translated(self.location, "write"), self._writing_engine().begin() as conn:
            if self._meta(conn) is not None:
                return
            import uuid

            conn.execute(
                meta.insert().values(
                    id=1,
                    lineage=str(uuid.uuid4()),
                    serial=0,
                    environment=self.environment,
                    api_url=url,
                    created_at=now(),
                )
            )

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        """Outcomes, then new intents, in ONE transaction (all or none); the intents' ids.

        The one way apply records (``Recorder``): what finished and the next batch to
        send share a commit. Refuses what ``Recorder.record_step`` says.
        """
        if not (outcomes or intents):
            return []
        return self._write(lambda conn: write_step(conn, outcomes, intents))

    def import_campaign(self, record: RecordedCampaign) -> None:
        """Record a campaign created outside this run (``state import``); journaled."""
        self._write(lambda conn: import_record(conn, record))

    def forget(self, key: str, *, actor: str) -> None:
        """Drop a record and settle its in-doubt attempt (``state forget``); journaled."""
        self._write(lambda conn: forget_key(conn, key, actor))

    def move(self, old_key: str, new_key: str, *, actor: str) -> None:
        """Re-key a record after a rename listed in ``previous_keys``; journaled."""
        self._write(lambda conn: move_record(conn, old_key, new_key, actor))

    def write_fallback(self, attempt: Attempt) -> None:
        """Append an outcome the state could not take to the fallback journal (fsynced)."""
        fallback.write_fallback(self.location.journal_path, attempt)

    def recover(self, *, actor: str) -> RecoverResult:
        """Merge the fallback journal into the state (journaled), then remove it."""
        self._require_lock()
        return merge_fallback(self, actor=actor)

    def ready_engine(self) -> Engine:
        """The engine, with the schema created or migrated (under the lock)."""
        self._require_lock()
        self._ensure_schema()
        return self._writing_engine()

    def run_write(self, body: Callable[[Connection], T]) -> T:
        """One journaled write transaction (for the state's own modules)."""
        return self._write(body)

    def close(self) -> None:
        """Release the engine's connections."""
        self._close_writer()
        if self._engine is not None:
            self._engine.dispose()
