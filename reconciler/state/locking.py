"""The environment lock, held by a writer for a whole apply.

SQLite: an OS file lock on ``<file>.lock`` (the kernel frees it when the holder dies),
with the holder's details in ``<file>.lock.json``. PostgreSQL: a session advisory lock
on a dedicated connection (freed when that session ends), details in the ``locks`` table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import filelock
from sqlalchemy import Connection, Engine, delete, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from reconciler.errors import StateError, StateLockedError
from reconciler.runtime import user_name
from reconciler.state.base import LockInfo
from reconciler.state.holder import (
    check_lock_id,
    info_from_mapping,
    live_holder,
    read_holder_file,
    read_patiently,
)
from reconciler.state.location import StateLocation
from reconciler.state.rows import now, to_json_dict
from reconciler.state.tables import locks

POLL_SECONDS = 0.2
_CI_VARIABLES = (
    ("GITHUB_RUN_ID", "GitHub Actions run"),
    ("CI_JOB_URL", "GitLab job"),
    ("CI_JOB_ID", "GitLab job"),
    ("BUILDKITE_BUILD_URL", "Buildkite build"),
    ("CIRCLE_BUILD_URL", "CircleCI build"),
    ("BUILD_URL", "build"),
)


def describe_ci_run(env: Mapping[str, str]) -> str:
    """The CI run this process belongs to, if a known CI system says so in ``env``."""
    for variable, label in _CI_VARIABLES:
        value = env.get(variable, "")
        if value:
            repo = env.get("GITHUB_REPOSITORY", "") if variable == "GITHUB_RUN_ID" else ""
            return f"{label} {repo + ' ' if repo else ''}{value}"
    return ""


def new_lock_info(environment: str, command: str, environ: Mapping[str, str]) -> LockInfo:
    """Details of a lock this process is taking; ``environ`` names its CI run."""
    return LockInfo(
        lock_id=str(uuid.uuid4()),
        environment=environment,
        pid=os.getpid(),
        host=socket.gethostname(),
        started_at=now(),
        user=user_name(environ),
        ci_run=describe_ci_run(environ),
        command=command,
    )


def locked_error(
    location: StateLocation, holder: LockInfo | None, waited: float
) -> StateLockedError:
    """The error a second writer gets, naming the holder when it is known."""
    who = holder.describe() if holder else "another writer (it has not recorded its details yet)"
    waited_text = f" after waiting {waited:g}s" if waited > 0 else ""
    hint = "wait for it to finish, or use --lock-timeout SECONDS to wait"
    if holder:
        hint += (
            f"; if that process is hung, `reconciler unlock --env {location.environment} "
            f"{holder.lock_id}` removes the lock"
        )
    return StateLockedError(
        f"state of environment {location.environment!r} is locked{waited_text} by {who}",
        hint=hint,
    )


class EnvironmentLock(Protocol):
    """One backend's way of holding the environment lock."""

    def try_acquire(self, info: LockInfo) -> bool: ...

    def release(self) -> None: ...

    def still_held(self) -> bool: ...

    def holder(self) -> LockInfo | None: ...

    def read_holder(self) -> LockInfo | None: ...

    def unlock(self, lock_id: str) -> LockInfo: ...


def acquire(lock: EnvironmentLock, location: StateLocation, info: LockInfo, timeout: float) -> None:
    """Take the lock, waiting up to ``timeout`` seconds; else raise StateLockedError."""
    deadline = time.monotonic() + max(timeout, 0.0)
    while not lock.try_acquire(info):
        if time.monotonic() >= deadline:
            raise locked_error(location, read_patiently(lock.read_holder), timeout)
        time.sleep(POLL_SECONDS)


class FileLock:
    """SQLite: an OS lock on ``<state>.lock`` plus a JSON file of holder details."""

    def __init__(self, location: StateLocation) -> None:
        self._location = location
        self._lock: filelock.FileLock | None = None
        self._info: LockInfo | None = None

    def _new_filelock(self) -> filelock.FileLock:
        return filelock.FileLock(str(self._location.lock_path), mode=0o600, fallback_to_soft=False)

    def try_acquire(self, info: LockInfo) -> bool:
        self._location.lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self._new_filelock()
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        try:
            _write_private_json(self._location.holder_path, to_json_dict(asdict(info)))
        except BaseException:
            lock.release()  # a folder this user may not write: hold nothing
            raise
        self._lock, self._info = lock, info
        return True

    def release(self) -> None:
        if self._lock is None:
            return
        current = self.read_holder()
        if current is not None and self._info and current.lock_id == self._info.lock_id:
            # A disk turned read-only keeps the details: stale, and ignored once the OS
            # lock is free. Failing here would hide the error that stopped the writer.
            with contextlib.suppress(OSError):
                self._location.holder_path.unlink()
        self._lock.release()
        self._lock = self._info = None

    def still_held(self) -> bool:
        """False once ``unlock`` removed this holder's lock (its details are gone)."""
        current = self.read_holder()
        return (
            self._info is not None and current is not None and current.lock_id == self._info.lock_id
        )

    def read_holder(self) -> LockInfo | None:
        return read_holder_file(self._location.holder_path)

    def holder(self) -> LockInfo | None:
        """The live holder, if any (stale details of a dead holder are ignored).

        Probed read-only: asking never creates or changes the lock file.
        """
        assert self._location.path is not None
        return live_holder(self._location.path)

    def unlock(self, lock_id: str) -> LockInfo:
        info = check_lock_id(self._location.environment, self.read_holder(), lock_id)
        # Remove the path, not the lock: the hung holder keeps an orphaned inode and the
        # next writer locks a fresh file.
        for path in (self._location.lock_path, self._location.holder_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return info


def _write_private_json(path: Path, data: Mapping[str, Any]) -> None:
    # Write then rename, so a contender never reads half a file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    tmp.replace(path)


def advisory_keys(environment: str) -> tuple[int, int]:
    """The two int4 keys of the environment's advisory lock."""
    digest = hashlib.sha256(f"reconciler:{environment}".encode()).digest()
    return 0x5245434F, int.from_bytes(digest[:4], "big", signed=True)  # "RECO", env hash


class AdvisoryLock:
    """PostgreSQL: ``pg_try_advisory_lock`` on a dedicated session, details in ``locks``."""

    def __init__(
        self, location: StateLocation, engine: Engine, prepare: Callable[[], None]
    ) -> None:
        self._location = location
        self._engine = engine
        self._prepare = prepare  # creates or migrates the schema (the locks table) under the lock
        self._conn: Connection | None = None
        self._info: LockInfo | None = None
        self._conn_mutex = threading.Lock()  # the lock's connection is shared by writer threads
        self._k1, self._k2 = advisory_keys(location.environment)

    def try_acquire(self, info: LockInfo) -> bool:
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        params = {"k1": self._k1, "k2": self._k2}
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k1, :k2)"), params).scalar():
            conn.close()
            return False
        try:
            backend_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            self._prepare()
            # We hold the lock, so any row left is a dead holder's.
            conn.execute(delete(locks))
            conn.execute(insert(locks).values(**asdict(info), backend_pid=backend_pid))
        except BaseException:
            conn.invalidate()  # ends the session, and with it the advisory lock
            conn.close()
            raise
        self._conn, self._info = conn, info
        return True

    def release(self) -> None:
        with self._conn_mutex:
            conn, info = self._conn, self._info
            self._conn = self._info = None
        if conn is None or info is None:
            return
        try:
            conn.execute(delete(locks).where(locks.c.lock_id == info.lock_id))
            params = {"k1": self._k1, "k2": self._k2}
            conn.execute(text("SELECT pg_advisory_unlock(:k1, :k2)"), params)
        except SQLAlchemyError:
            pass  # the session is gone (``unlock`` ended it): so is the lock
        finally:
            conn.invalidate()  # never hand a session that held the lock back to the pool
            conn.close()

    def still_held(self) -> bool:
        """False once the lock's session has ended (``unlock`` terminated it)."""
        with self._conn_mutex:
            if self._conn is None:
                return False
            try:
                self._conn.execute(text("SELECT 1"))
            except SQLAlchemyError:
                return False
            return True

    def _holder_pid(self, conn: Connection) -> int | None:
        query = text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = :c AND objid = :o AND objsubid = 2"
        )
        params = {"c": self._k1 & 0xFFFFFFFF, "o": self._k2 & 0xFFFFFFFF}
        pid = conn.execute(query, params).scalar()
        return int(pid) if pid is not None else None

    def read_holder(self) -> LockInfo | None:
        with self._engine.connect() as conn:
            pid = self._holder_pid(conn)
            if pid is None or not inspect(conn).has_table("locks"):
                return None
            row = conn.execute(select(locks).where(locks.c.backend_pid == pid)).mappings().first()
            return info_from_mapping(row) if row else None

    def holder(self) -> LockInfo | None:
        with self._engine.connect() as conn:
            if self._holder_pid(conn) is None:
                return None
        return read_patiently(self.read_holder)

    def unlock(self, lock_id: str) -> LockInfo:
        with self._engine.connect() as conn:
            row = None
            if inspect(conn).has_table("locks"):
                query = select(locks).where(locks.c.lock_id == lock_id)
                row = conn.execute(query).mappings().first()
            if row is None:
                raise StateError(
                    f"no lock with id {lock_id} is recorded for environment "
                    f"{self._location.environment!r}",
                    hint="copy the lock id from the error of the writer that was refused",
                )
            if row["backend_pid"] is not None:
                conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": row["backend_pid"]})
            conn.execute(delete(locks).where(locks.c.lock_id == lock_id))
            conn.commit()
            return info_from_mapping(row)
