"""``SqlStateWriter``: the only object that writes a state; it exists only under the lock.

``SqlStateStore.locked()`` builds one after taking the environment lock and ends it when
the lock is released: a writer kept past its ``with`` block refuses every call. Every
write is one transaction that bumps the serial; the first write also creates or migrates
the schema (``SchemaGate``), which only a writer ever does.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, select, update

from reconciler.errors import StateError, StateLockedError
from reconciler.state import fallback, schema
from reconciler.state.base import Attempt, LockInfo, RecordedCampaign, RecoverResult, StateSnapshot
from reconciler.state.binding import Binding, normalise_api_url
from reconciler.state.engine import create_private_file, private_sidecars, translated
from reconciler.state.location import StateLocation
from reconciler.state.locking import EnvironmentLock
from reconciler.state.paths import CREATING_SUFFIX, beside
from reconciler.state.recovery import merge_fallback
from reconciler.state.revisions import refuse_schemaless
from reconciler.state.rows import now
from reconciler.state.server_reader import ReadsThrough, ServerReader, read_meta, reader_at
from reconciler.state.sqlite_reader import SqliteReader, connect_for_writer, holds_no_tables
from reconciler.state.tables import locks, meta
from reconciler.state.writes import forget_key, import_record, move_record, write_step

T = TypeVar("T")
_BUMP_SERIAL = update(meta).values(serial=meta.c.serial + 1)


class SchemaGate:
    """Creates or migrates a store's schema once, for its writers (under the lock)."""

    def __init__(self, location: StateLocation, binding: Binding) -> None:
        self._location, self._binding = location, binding
        self._mutex = threading.Lock()
        self.ready = False
        self.before: str | None = None  # the revision found before migrating

    def ensure(self, engine: Engine) -> None:
        with self._mutex:
            if not self.ready:
                self._migrate(engine)

    def _migrate(self, engine: Engine) -> None:
        path = self._location.path
        creating = None if path is None else beside(path, CREATING_SUFFIX)
        if path is not None and creating is not None:
            with translated(self._location, "create"):
                if not path.exists():
                    create_private_file(creating)  # before the file: see CREATING_SUFFIX
                elif not creating.exists() and holds_no_tables(path):
                    refuse_schemaless(self._location.display)  # before SQLite writes to it
                create_private_file(path)  # 0600, before SQLite can create it
        with translated(self._location, "upgrade"), engine.begin() as conn:
            # Another environment's state is refused before it is migrated or copied aside.
            if (bound := schema.stored_binding(conn)) is not None:
                self._binding.refuse_stored(self._location.display, *bound)
            self.before = schema.upgrade(conn, self._location)
        if path is not None and creating is not None:
            creating.unlink(missing_ok=True)
            private_sidecars(path)
        self.ready = True


class SqlStateWriter(ReadsThrough):
    """Reads and writes one environment's state while ``info``'s lock is held."""

    def __init__(
        self,
        location: StateLocation,
        engine: Engine,
        info: LockInfo,
        lock: EnvironmentLock,
        schema_gate: SchemaGate,
        binding: Binding,
    ) -> None:
        self.location, self.info = location, info
        self._engine, self._lock, self._schema = engine, lock, schema_gate
        self._binding = binding
        self._live = True
        self._bound = False  # read once per lock: no other writer can change it meanwhile
        # Executor threads share the writer: one write transaction at a time.
        self._mutex = threading.RLock()
        # SQLite: the connection kept open while the lock is held. Closing the last
        # connection of a WAL database checkpoints and deletes the WAL: 3x the cost of
        # each durable write (benchmarks/RESULTS.md); kept open, a commit is one append.
        self._conn: Connection | None = None

    # -- reading (the writer's own reader, after migrating) -----------------------------

    def reader(self) -> SqliteReader | ServerReader:
        self._require_live()
        path = self.location.path
        # A writer migrates an existing state before it reads it; a missing SQLite file is
        # read as "no state" and created by the first write only: an apply that is
        # refused or cancelled before its first write leaves no file behind.
        if path is None or path.exists():
            self._schema.ensure(self._engine)
        return reader_at(
            self.location, self._engine, self._binding, self._lock.holder, connect_for_writer
        )

    def snapshot(self) -> StateSnapshot:
        """Everything the planner needs, read in one transaction (this writer holds the lock)."""
        return self.reader().snapshot_only()

    # -- the lock's end ------------------------------------------------------------------

    def end(self) -> None:
        """Called by ``SqlStateStore.locked`` as it releases the lock: nothing more is written."""
        self._live = False
        self._close_connection()

    def _require_live(self) -> None:
        if not self._live:
            raise StateError(
                "this state writer's lock was released: nothing more is written",
                hint="a bug in reconciler: writes belong inside `with store.locked(...)`",
            )

    def _require_lock(self) -> None:
        self._require_live()
        if not self._lock.still_held():
            raise StateLockedError(
                f"the lock of environment {self.environment!r} was removed "
                "(`reconciler unlock`) while this process held it; nothing more is written",
                hint=f"run `reconciler state recover --env {self.environment}` if it asks to",
            )

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One write transaction: on SQLite, on the connection kept open under the lock."""
        if self.location.path is None:
            with self._engine.begin() as conn:
                yield conn
            return
        if self._conn is None:
            self._conn = self._engine.connect()
        try:
            with self._conn.begin():
                yield self._conn
        except BaseException:
            self._close_connection()  # whatever failed, the next write starts afresh
            raise

    def _close_connection(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.close()

    def run_write(self, body: Callable[[Connection], T]) -> T:
        """``body`` in one transaction that bumps the serial; needs a bound state."""
        self.ready_engine()
        with self._mutex, translated(self.location, "write"), self._transaction() as conn:
            self._fence(conn)
            self._check_bound(conn)
            result = body(conn)
            conn.execute(_BUMP_SERIAL)
        return result

    def _check_bound(self, conn: Connection) -> None:
        if self._bound:
            return
        if read_meta(conn, self._binding, self.display) is None:
            raise StateError(
                f"state {self.display} is not bound to its environment yet "
                "(a bug: writers call bind(api_url) first)"
            )
        self._bound = True

    def _fence(self, conn: Connection) -> None:
        """A server database: write only while our ``locks`` row is there, and keep it there.

        ``still_held`` is checked before the transaction; the lock's session may end just
        after (a network cut, ``unlock``) and a new holder plan and send under its own lock.
        Reading our row FOR SHARE inside the write closes that gap: a new holder deletes
        every row when it takes the lock, so either that delete waits for this commit (and
        the new holder's plan sees what we wrote), or our row is gone and we write nothing.
        """
        if self.location.is_sqlite:
            return
        query = select(locks.c.lock_id).where(locks.c.lock_id == self.info.lock_id)
        if conn.execute(query.with_for_update(read=True)).first() is None:
            raise StateLockedError(
                f"the lock of environment {self.environment!r} was lost (its database "
                "session ended) while this process held it; nothing more is written",
                hint=f"run `reconciler state recover --env {self.environment}` if it asks to",
            )

    # -- writes --------------------------------------------------------------------------

    def bind(self, api_url: str) -> None:
        """Create the state on first write, bound to this environment and API; else check."""
        engine = self.ready_engine()
        url = normalise_api_url(api_url)
        self._binding = Binding(self.environment, url)
        with translated(self.location, "write"), engine.begin() as conn:
            if read_meta(conn, self._binding, self.display) is not None:
                return
            values = {"lineage": str(uuid.uuid4()), "environment": self.environment}
            conn.execute(
                meta.insert().values(id=1, serial=0, api_url=url, created_at=now(), **values)
            )

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        """Outcomes, then new intents, in ONE transaction (``Recorder.record_step``)."""
        if not (outcomes or intents):
            return []
        return self.run_write(lambda conn: write_step(conn, outcomes, intents))

    def import_campaign(self, record: RecordedCampaign) -> None:
        """Record a campaign created outside this run (``state import``); journaled."""
        self.run_write(lambda conn: import_record(conn, record))

    def forget(self, key: str, *, actor: str) -> None:
        """Drop a record and settle its in-doubt attempt (``state forget``); journaled."""
        self.run_write(lambda conn: forget_key(conn, key, actor))

    def move(self, old_key: str, new_key: str, *, actor: str) -> None:
        """Re-key a record after a rename listed in ``previous_keys``; journaled."""
        self.run_write(lambda conn: move_record(conn, old_key, new_key, actor))

    def write_fallback(self, attempt: Attempt) -> None:
        """Append an outcome the state could not take to the fallback journal (fsynced)."""
        self._require_live()  # not the lock: a lost lock is what the journal is for
        fallback.write_fallback(self.location.journal_path, attempt)

    def recover(self, *, actor: str) -> RecoverResult:
        """Merge the fallback journal into the state (journaled), then remove it."""
        self._require_lock()
        return merge_fallback(self, actor=actor)

    def upgrade(self) -> tuple[str | None, str]:
        """``state upgrade``: migrate the schema to this version's; returns (old, new)."""
        self._require_lock()
        if not self.location.exists():
            return None, schema.head_revision()  # no state yet: nothing to upgrade, create nothing
        self._schema.ensure(self._engine)
        return self._schema.before, schema.head_revision()

    def ready_engine(self) -> Engine:
        """The engine, with the schema created or migrated (``state migrate`` copies with it)."""
        self._require_lock()
        self._schema.ensure(self._engine)
        return self._engine
