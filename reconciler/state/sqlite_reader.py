"""A snapshot of a SQLite state read with the stdlib ``sqlite3`` module: no SQLAlchemy.

``plan`` reads the state on every push; importing SQLAlchemy alone cost ~0.14 s of a
1.15 s every-push plan of 10,000 campaigns (benchmarks/RESULTS.md). This reader handles
only the ordinary cases: a plain path to no state yet (empty), or to an existing,
up-to-date state bound to the environment and API asked for, with no fallback journal
waiting. Anything else (no
schema, another revision, another binding, a journal, any SQLite error) returns None
and the caller reads through ``SqlStateStore``, which gives the same refusals and
messages as before. It opens the file ``mode=ro`` in one transaction, like that reader,
and converts values exactly as SQLAlchemy does for these columns (DateTime:
``datetime.fromisoformat``; JSON: ``json.loads``; the rest as stored).

``connect_readonly`` is the one way every reader (this one and ``reader_engine``) opens
a SQLite state: it cannot create, write or change any file (docs/state.md, "Commands
that write nothing").
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign, StateSnapshot
from reconciler.state.holder import live_holder
from reconciler.state.paths import JOURNAL_SUFFIX, WAL_SUFFIX, beside, sqlite_file
from reconciler.state.snapshot import journal_head

# As in reconciler.state.engine (busy readers wait for a writer's commit).
_BUSY_TIMEOUT_MS = 30_000
# The schema revision this reader understands: the newest migration's. Any other revision
# goes to the SQLAlchemy reader (which refuses an older or newer one with its message).
_REVISION = "0002"
# The same statements as SqlStateStore.snapshot emits, so rows come in the same order.
_CAMPAIGNS = (
    "SELECT campaigns.key, campaigns.campaign_id, campaigns.name, campaigns.fingerprint, "
    "campaigns.source_fingerprint, campaigns.ctx_id, campaigns.created_by, "
    "campaigns.created_at FROM campaigns"
)
_HEADS = (
    "SELECT attempts.id, attempts.key, attempts.kind, attempts.status "
    "FROM attempts ORDER BY attempts.id"
)
_ATTEMPT_COLUMNS = (
    "id, key, kind, status, fingerprint, source_fingerprint, body, idempotency_key, "
    "started_at, finished_at, http_status, campaign_id, ctx_id, error, actor, run_id"
)


_SQLITE_MAGIC = b"SQLite format 3\x00"


class _NotOrdinary(Exception):
    """The state is not the ordinary case: let the SQLAlchemy reader read (or refuse) it."""


class ReadOnlyConnection(sqlite3.Connection):
    """A connection made by ``connect_readonly``; knows whether it was opened immutable."""

    path: Path
    immutable_as: tuple[int, ...] | None = None  # the file's identity when opened immutable

    def changed_meanwhile(self) -> bool:
        """Opened immutable, and the file is no longer the one opened: what was read may mix."""
        return self.immutable_as is not None and _identity(self.path) != self.immutable_as


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
        uri,
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        factory=ReadOnlyConnection,
    )
    assert isinstance(conn, ReadOnlyConnection)
    conn.path = path
    conn.immutable_as = identity if immutable else None
    return conn


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


def fast_snapshot(
    location: str, environment: str, *, root: Path, api_url: str | None
) -> StateSnapshot | None:
    """The snapshot of an ordinary SQLite state, or None to read it the general way."""
    path = sqlite_file(location, root)
    if path is None or beside(path, JOURNAL_SUFFIX).exists():
        return None  # not a plain path, or a fallback journal waits: the general reader refuses
    if not path.exists():
        # No state yet (a first plan): what SqlStateStore says too, without its import.
        return StateSnapshot.empty(environment)
    if not path.is_file():
        return None
    try:
        conn = connect_readonly(path)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")
        snapshot = _snapshot(conn, environment, api_url)
        conn.execute("COMMIT")
    except (sqlite3.Error, _NotOrdinary, ValueError, TypeError, KeyError):
        return None
    finally:
        conn.close()
    if conn.changed_meanwhile():
        return None  # the general reader reads it again (or says it changed)
    # Read after the snapshot: a pending attempt started under this lock is in flight.
    return dataclasses.replace(snapshot, writer=live_holder(path))


def _snapshot(conn: sqlite3.Connection, environment: str, api_url: str | None) -> StateSnapshot:
    revisions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if revisions != [(_REVISION,)]:
        raise _NotOrdinary
    meta = conn.execute("SELECT lineage, serial, environment, api_url FROM meta").fetchall()
    if len(meta) != 1:
        raise _NotOrdinary  # never written, or not the single row the schema allows
    lineage, serial, bound_env, bound_api = meta[0]
    if bound_env != environment or (
        api_url is not None and _normalise(bound_api) != _normalise(api_url)
    ):
        raise _NotOrdinary  # bound elsewhere: the general reader says so
    records = {r.key: r for r in map(_campaign, conn.execute(_CAMPAIGNS))}
    heads = conn.execute(_HEADS).fetchall()
    head = journal_head(heads, records.keys())
    wanted = sorted(set(head.in_doubt.values()) | set(head.last_failures.values()))
    by_id = {a.id: a for a in _attempts(conn, wanted)}
    return StateSnapshot(
        environment=environment,
        exists=True,
        lineage=lineage,
        serial=serial,
        api_url=bound_api,
        campaigns=records,
        in_doubt={k: by_id[i] for k, i in head.in_doubt.items()},
        last_failures={k: by_id[i] for k, i in head.last_failures.items()},
    )


def _normalise(api_url: str) -> str:
    # As reconciler.state.store.normalise_api_url (tests/state check they agree).
    return api_url.strip().rstrip("/")


def _time(value: Any) -> datetime:
    """A stored DateTime as SQLAlchemy reads it (``fromisoformat``), made UTC like rows.utc."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _campaign(row: Sequence[Any]) -> RecordedCampaign:
    key, campaign_id, name, fingerprint, source_fingerprint, ctx_id, created_by, at = row
    return RecordedCampaign(
        key=key,
        campaign_id=campaign_id,
        name=name,
        fingerprint=fingerprint,
        source_fingerprint=source_fingerprint,
        body=None,
        ctx_id=ctx_id,
        created_by=created_by,
        created_at=_time(at),
    )


def _attempts(conn: sqlite3.Connection, ids: Iterable[int]) -> list[Attempt]:
    wanted = list(ids)
    if not wanted:
        return []
    found: list[Attempt] = []
    for start in range(0, len(wanted), 500):  # well under SQLite's parameter limit
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE id IN ({marks})"  # noqa: S608
        found.extend(map(_attempt, conn.execute(query, chunk)))
    return found


def _attempt(row: Sequence[Any]) -> Attempt:
    (id_, key, kind, status, fp, source_fp, body, idem, started, finished, http, cid, ctx, error,
     actor, run_id) = row  # fmt: skip
    return Attempt(
        id=id_,
        key=key,
        kind=kind,
        status=AttemptStatus(status),
        fingerprint=fp,
        source_fingerprint=source_fp,
        body=json.loads(body) if body is not None else None,
        idempotency_key=idem,
        started_at=_time(started),
        finished_at=_time(finished) if finished is not None else None,
        http_status=http,
        campaign_id=cid,
        ctx_id=ctx,
        error=error,
        actor=actor,
        run_id=run_id or "",
    )
