"""Who holds a SQLite state's lock, found without writing anything (no SQLAlchemy).

A writer holds an OS lock (``flock``, through ``filelock``) on ``<state>.lock`` and keeps
its details in ``<state>.lock.json`` (``reconciler.state.locking``). Readers (``plan``,
``state list``, apply's preview) ask whether that lock is held with a shared,
non-blocking ``flock`` on a read-only descriptor: they never create, truncate or change
the lock file, so a user who may only read the state can ask too. A lock whose holder
died is free (the kernel released it), so its details left behind are ignored.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import StateError
from reconciler.state.base import LockInfo
from reconciler.state.paths import HOLDER_SUFFIX, LOCK_SUFFIX, beside
from reconciler.state.rows import utc

HOLDER_READ_SECONDS = 2.0  # how long a reader waits for a new holder to write its details

try:
    import fcntl
except ImportError:  # pragma: no cover -- not on Windows
    fcntl = None  # type: ignore[assignment]


def info_from_mapping(data: Mapping[Any, Any]) -> LockInfo:
    """A LockInfo from a JSON object or a row of ``locks``."""
    fields = {k: data[k] for k in LockInfo.__dataclass_fields__ if k in data}
    fields["started_at"] = utc(data["started_at"])
    return LockInfo(**fields)


def read_holder_file(path: Path) -> LockInfo | None:
    """The details in ``<state>.lock.json``, or None (none, unreadable, or half written)."""
    try:
        return info_from_mapping(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_patiently(read: Callable[[], LockInfo | None]) -> LockInfo | None:
    """The holder's details, retried briefly while a new holder may still be writing them."""
    deadline = time.monotonic() + HOLDER_READ_SECONDS
    while True:
        holder = read()
        if holder is not None or time.monotonic() >= deadline:
            return holder
        time.sleep(0.1)


def lock_held(lock_path: Path) -> bool | None:
    """Whether a live process holds the lock file; None when this user cannot tell."""
    if fcntl is None:  # pragma: no cover -- Windows: ask filelock, as a writer would
        return _held_by_filelock(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    except OSError:
        return None  # e.g. another account's private lock file
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)  # also releases the shared lock taken by the probe
    return False


def _held_by_filelock(lock_path: Path) -> bool | None:  # pragma: no cover -- Windows
    import filelock

    if not lock_path.exists():
        return False
    probe = filelock.FileLock(str(lock_path), fallback_to_soft=False)
    try:
        probe.acquire(timeout=0)
    except filelock.Timeout:
        return True
    except OSError:
        return None
    probe.release()
    return False


def live_holder(state_file: Path) -> LockInfo | None:
    """Who holds the lock of the SQLite state ``state_file`` now, if anyone."""
    details = beside(state_file, HOLDER_SUFFIX)
    held = lock_held(beside(state_file, LOCK_SUFFIX))
    if held is None:
        return read_holder_file(details)  # cannot probe the lock: trust what it recorded
    if not held:
        return None
    return read_patiently(lambda: read_holder_file(details))


def check_lock_id(environment: str, holder: LockInfo | None, lock_id: str) -> LockInfo:
    """``holder``, if it is the one ``lock_id`` names; else the StateError ``unlock`` shows."""
    if holder is None:
        raise StateError(
            f"no lock is held for environment {environment!r}: nothing to unlock",
            hint="a lock frees itself when its holder ends; a writer may run now",
        )
    if holder.lock_id != lock_id:
        raise StateError(
            f"lock id {lock_id} is not the holder's (it does not match the lock of "
            f"environment {environment!r}, held by {holder.describe()})",
            hint="copy the lock id from the error of the writer that was refused",
        )
    return holder
