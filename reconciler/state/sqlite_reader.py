"""``SqliteReader``: the one way a SQLite state is read, with the stdlib ``sqlite3``.

``plan`` reads the state on every push; importing SQLAlchemy alone cost ~0.14 s of a
1.15 s every-push plan of 10,000 campaigns, and reading 10,000 campaigns took 0.26 s
here against 0.58 s through SQLAlchemy (docs/performance.md, "Reading the state"). So
every SQLite read, a writer's under the lock included, goes through this class; a server
database is read by ``ServerReader``. Both build the snapshot with ``snapshot.build_snapshot``
and check the binding and the schema revision with ``binding`` and ``revisions``.

``connect_readonly`` is how every reader outside the lock opens the file: it cannot
create, write or change any file (docs/state.md, "Commands that write nothing").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reconciler.errors import StateError, relative_to_root
from reconciler.state.base import Attempt, LockInfo, RecordedCampaign, StateSnapshot
from reconciler.state.binding import Binding
from reconciler.state.holder import live_holder
from reconciler.state.paths import CREATING_SUFFIX, JOURNAL_SUFFIX, WAL_SUFFIX, beside
from reconciler.state.revisions import (
    SchemaStatus,
    refuse_schemaless,
    refuse_unusable,
    status_of,
)
from reconciler.state.rows import attempt_from_row, campaign_from_row, chunks
from reconciler.state.snapshot import SNAPSHOT_CAMPAIGN_COLUMNS, build_snapshot

BUSY_TIMEOUT_MS = 30_000  # busy readers and writers wait this long for a writer's commit
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CAMPAIGNS = f"SELECT {', '.join(SNAPSHOT_CAMPAIGN_COLUMNS)} FROM campaigns"  # noqa: S608
_HEADS = "SELECT id, key, kind, status FROM attempts ORDER BY id"


class ReadOnlyConnection(sqlite3.Connection):
    """A connection made by ``connect_readonly``; knows whether it was opened immutable."""

    path: Path
    immutable_as: tuple[int, ...] | None = None  # the file's identity when opened immutable

    def changed_meanwhile(self) -> bool:
        """Opened immutable, and the file is no longer the one opened: what was read may mix."""
        return self.immutable_as is not None and _identity(self.path) != self.immutable_as


class _ChangedWhileRead(StateError):
    """An immutable read saw the file change: what it read may mix two versions."""


def connect_readonly(path: Path) -> ReadOnlyConnection:
    """A connection to the SQLite file ``path`` that can neither create nor change a file.

    ``mode=ro``: SQLite never creates the file nor writes it, and its locks keep a read
    consistent with a writer's commits. A file in WAL mode is read through its -wal and
    -shm files, as SQLite must (a writer is running, or was killed). Only a file in WAL
    mode whose -wal is gone is opened ``immutable`` instead: everything committed is
    then in the file itself (SQLite deletes the -wal only once it is all checkpointed),
    and a plain reader would have to create -wal and -shm files beside it, which a user
    who may only read cannot. Check ``changed_meanwhile()`` after such a read.
    """
    identity = _identity(path)
    immutable = in_wal_mode(path) and not beside(path, WAL_SUFFIX).exists()
    uri = "file:" + quote(str(path)) + ("?immutable=1" if immutable else "?mode=ro")
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, factory=ReadOnlyConnection
    )
    assert isinstance(conn, ReadOnlyConnection)
    conn.path = path
    conn.immutable_as = identity if immutable else None
    return conn


def holds_no_tables(path: Path) -> bool:
    """Whether the SQLite file ``path`` has no table at all (read-only: changes nothing)."""
    conn = connect_readonly(path)
    try:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)
    finally:
        conn.close()


def connect_for_writer(path: Path) -> sqlite3.Connection:
    """The connection a writer reads with under the lock (it may make -wal/-shm files)."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _identity(path: Path) -> tuple[int, ...]:
    try:
        st = path.stat()
    except OSError:
        return ()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def in_wal_mode(path: Path) -> bool:
    """Whether the file's header says WAL mode (bytes 18 and 19 are 2; 1 is rollback)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return header.startswith(_SQLITE_MAGIC) and header[18:20] == b"\x02\x02"


def driver_hint(text: str) -> str:
    """The hint for a database driver's error message (SQLite's or a server's)."""
    text = text.lower()
    if "password" in text or "authentication" in text:
        return "check the user and password of the state URL"
    if "does not exist" in text:
        return "create the database first (see docs/state.md)"
    if "permission denied" in text:
        return "the database user lacks privileges (see docs/state.md)"
    if "readonly database" in text:
        return "this user may only read the state: writers need to write it and its folder"
    if "connect" in text or "unable to open" in text:
        return "check that the state's server is reachable and the location is right"
    return ""


def driver_reason(text: str) -> str:
    """A driver's error message in one line (its first three)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])


def _tuples(conn: sqlite3.Connection, query: str) -> list[Any]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: the journal's heads are many
    return cursor.execute(query).fetchall()


@dataclass(frozen=True)
class SqliteReader:
    """Read-only access to one environment's SQLite state: it has no method that writes.

    ``connect`` opens the file: ``connect_readonly`` for every reader outside the lock.
    """

    path: Path
    root: Path
    binding: Binding
    connect: Callable[[Path], sqlite3.Connection] = connect_readonly

    @property
    def environment(self) -> str:
        return self.binding.environment

    @property
    def display(self) -> str:
        return relative_to_root(self.path, self.root)

    @property
    def journal_path(self) -> Path:
        return beside(self.path, JOURNAL_SUFFIX)

    def snapshot(self) -> StateSnapshot:
        snapshot = self.snapshot_only()
        return replace(snapshot, writer=live_holder(self.path)) if snapshot.exists else snapshot

    def snapshot_only(self) -> StateSnapshot:
        """Everything the planner needs, read in one transaction (no lock holder); read
        once more if the file changed during an immutable read (then it says so)."""
        try:
            return self._read_snapshot()
        except _ChangedWhileRead:
            return self._read_snapshot()

    def _read_snapshot(self) -> StateSnapshot:
        with self._reading() as conn:
            meta = self._meta(conn)
            if conn is None or meta is None:
                return StateSnapshot.empty(self.environment)
            return build_snapshot(
                self.environment,
                meta,
                conn.execute(_CAMPAIGNS),
                _tuples(conn, _HEADS),
                lambda ids: self._in(conn, "attempts", "id", ids),
            )

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        wanted = sorted(set(keys))
        with self._reading() as conn:
            if not wanted or self._meta(conn) is None:
                return {}
            assert conn is not None
            rows = self._in(conn, "campaigns", "key", wanted)
            return {r.key: r for r in map(campaign_from_row, rows)}

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        with self._reading() as conn:
            if self._meta(conn) is None:
                return []
            assert conn is not None
            where, params = ("", ()) if key is None else (" WHERE key = ?", (key,))
            rows = conn.execute(f"SELECT * FROM attempts{where} ORDER BY id", params)  # noqa: S608
            return [attempt_from_row(r) for r in rows]

    def lock_holder(self) -> LockInfo | None:
        return live_holder(self.path)

    def close(self) -> None:
        """Nothing stays open between reads."""

    @staticmethod
    def _in(
        conn: sqlite3.Connection, table: str, column: str, values: Sequence[Any]
    ) -> Iterator[Mapping[str, Any]]:
        for chunk in chunks(values):
            marks = ", ".join("?" * len(chunk))
            yield from conn.execute(
                f"SELECT * FROM {table} WHERE {column} IN ({marks})",  # noqa: S608
                chunk,
            )

    def _meta(self, conn: sqlite3.Connection | None) -> Mapping[str, Any] | None:
        """The ``meta`` row, checked against the binding; None when never written."""
        if conn is None:
            return None
        row = conn.execute("SELECT * FROM meta").fetchone()
        if row is not None:
            self.binding.refuse_stored(self.display, row["environment"], row["api_url"])
        return row  # type: ignore[no-any-return]

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """One read transaction, or None when there is no state (nothing is created)."""
        if not self.path.exists():
            yield None
            return
        try:
            conn = self.connect(self.path)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            conn.row_factory = sqlite3.Row
            yield self._begin(conn)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            conn.close()
        if isinstance(conn, ReadOnlyConnection) and conn.changed_meanwhile():
            raise _ChangedWhileRead(
                f"state {self.display} changed while it was read", hint="run the command again"
            )

    def _begin(self, conn: sqlite3.Connection) -> sqlite3.Connection | None:
        """Start the read; None when the file has no schema yet; refuse an unusable one."""
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")
        tables = {r["name"] for r in conn.execute("SELECT name FROM sqlite_master")}
        revisions = []
        if "alembic_version" in tables:
            revisions = [r["version_num"] for r in conn.execute("SELECT * FROM alembic_version")]
        status, revision = status_of("meta" in tables, revisions)
        if status is SchemaStatus.MISSING:
            if not beside(self.path, CREATING_SUFFIX).exists():
                refuse_schemaless(self.display)
            return None  # a writer is creating it (or was killed doing so): no state yet
        refuse_unusable(self.display, self.environment, status, revision)
        return conn

    def _error(self, exc: sqlite3.Error) -> StateError:
        reason = driver_reason(str(exc)) or type(exc).__name__
        return StateError(f"cannot read state {self.display}: {reason}", hint=driver_hint(str(exc)))
