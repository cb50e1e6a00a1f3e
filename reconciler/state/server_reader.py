"""``ServerReader``: read-only access to a state in a server database (PostgreSQL), through
SQLAlchemy. SQLite states are read by ``SqliteReader``; both share the snapshot rules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from reconciler.state.base import Attempt, LockInfo, RecordedCampaign, StateSnapshot
from reconciler.state.binding import Binding
from reconciler.state.engine import translated
from reconciler.state.location import AtLocation, StateLocation
from reconciler.state.revisions import SchemaStatus, refuse_unusable
from reconciler.state.rows import attempt_from_row, campaign_from_row, chunks
from reconciler.state.schema import schema_status
from reconciler.state.snapshot import SNAPSHOT_CAMPAIGN_COLUMNS, build_snapshot
from reconciler.state.sqlite_reader import SqliteReader, connect_readonly
from reconciler.state.tables import attempts, campaigns, meta

if TYPE_CHECKING:
    from reconciler.state.locking import EnvironmentLock


def read_meta(conn: Connection, binding: Binding, display: str) -> Mapping[Any, Any] | None:
    """The ``meta`` row, checked against ``binding``; None when nothing was written yet."""
    row = conn.execute(select(meta)).mappings().first()
    if row is not None:
        binding.refuse_stored(display, row["environment"], row["api_url"])
    return row


@dataclass(frozen=True)
class ServerReader:
    """Reads one environment's state; it has no method that writes.

    ``holder`` asks who holds the lock (``AdvisoryLock.holder``).
    """

    location: StateLocation
    engine: Engine
    binding: Binding
    holder: Callable[[], LockInfo | None]

    @property
    def display(self) -> str:
        return self.location.display

    def snapshot(self) -> StateSnapshot:
        snapshot = self.snapshot_only()
        return replace(snapshot, writer=self.lock_holder()) if snapshot.exists else snapshot

    def snapshot_only(self) -> StateSnapshot:
        """Everything the planner needs, read in one transaction (no lock holder)."""
        with self._reading() as conn:
            row = None if conn is None else self._meta(conn)
            if conn is None or row is None:
                return StateSnapshot.empty(self.binding.environment)
            columns = [campaigns.c[name] for name in SNAPSHOT_CAMPAIGN_COLUMNS]
            heads = select(attempts.c.id, attempts.c.key, attempts.c.kind, attempts.c.status)
            return build_snapshot(
                self.binding.environment,
                row,
                conn.execute(select(*columns)).mappings(),
                conn.execute(heads.order_by(attempts.c.id)).all(),
                lambda ids: conn.execute(select(attempts).where(attempts.c.id.in_(ids))).mappings(),
            )

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        wanted = sorted(set(keys))
        found: dict[str, RecordedCampaign] = {}
        with self._reading() as conn:
            if conn is None or not wanted or self._meta(conn) is None:
                return found
            for chunk in chunks(wanted):
                query = select(campaigns).where(campaigns.c.key.in_(chunk))
                found.update(
                    (r.key, r) for r in map(campaign_from_row, conn.execute(query).mappings())
                )
        return found

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        with self._reading() as conn:
            if conn is None or self._meta(conn) is None:
                return []
            query = select(attempts).order_by(attempts.c.id)
            if key is not None:
                query = query.where(attempts.c.key == key)
            return [attempt_from_row(r) for r in conn.execute(query).mappings()]

    def lock_holder(self) -> LockInfo | None:
        with translated(self.location, "read the lock of"):
            return self.holder()

    def close(self) -> None:
        self.engine.dispose()

    def _meta(self, conn: Connection) -> Mapping[Any, Any] | None:
        return read_meta(conn, self.binding, self.display)

    @contextmanager
    def _reading(self) -> Iterator[Connection | None]:
        """A read transaction, or None when there is no state at all (nothing is created)."""
        with translated(self.location, "read"), self.engine.connect() as conn, conn.begin():
            status, revision = schema_status(conn)
            if status is SchemaStatus.MISSING:
                yield None
                return
            refuse_unusable(self.location.display, self.binding.environment, status, revision)
            yield conn


def reader_at(
    location: StateLocation,
    engine: Engine | None,
    binding: Binding,
    holder: Callable[[], LockInfo | None],
    connect: Callable[[Path], sqlite3.Connection] = connect_readonly,
) -> SqliteReader | ServerReader:
    """The reader of ``location``: a SQLite file's with ``connect``, else the server's."""
    if location.path is not None:
        return SqliteReader(location.path, location.root, binding, connect)
    assert engine is not None  # a server database is read through its engine
    return ServerReader(location, engine, binding, holder)


class ReadsThrough(AtLocation):
    """The reads of a store or a writer: each through a new ``reader()`` of its state."""

    _lock: EnvironmentLock

    def reader(self) -> SqliteReader | ServerReader:
        raise NotImplementedError

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        return self.reader().bodies(keys)

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        return self.reader().journal(key)

    def lock_holder(self) -> LockInfo | None:
        """Who holds the environment's lock now (a writer: its own details)."""
        if self.location.path is not None and not self.location.path.parent.exists():
            return None
        with translated(self.location, "read the lock of"):
            return self._lock.holder()
