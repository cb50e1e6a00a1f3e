"""The environment lock: one writer at a time, named holders, freed on death, unlock."""

from __future__ import annotations

import errno
import os
import socket
import threading
from pathlib import Path

import pytest

from reconciler.errors import StateError, StateLockedError
from tests.state.conftest import StateTarget
from tests.state.helpers import intent, open_target
from tests.support.factories import record_intents


def test_second_writer_fails_naming_the_holder(target: StateTarget):
    """While one store holds the lock, another fails at once with pid, host and lock id."""
    first, second = open_target(target), open_target(target)
    with first.locked("apply --env dev") as writer:
        info = writer.info
        with pytest.raises(StateLockedError) as err, second.locked("apply"):
            pass
        holder = second.lock_holder()
    message = err.value.message
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert info.lock_id in message and info.lock_id in err.value.hint
    assert holder is not None and holder.command == "apply --env dev"
    assert second.lock_holder() is None
    with second.locked("apply"):  # free again once released
        pass
    first.close()
    second.close()


def test_lock_timeout_waits_for_the_holder(target: StateTarget):
    """With a timeout, a second writer waits until the holder releases, then proceeds."""
    first, second = open_target(target), open_target(target)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.locked("apply"):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(30)
    threading.Timer(0.5, release.set).start()
    with second.locked("apply", timeout=60) as writer:
        assert writer.info.pid == os.getpid()
    thread.join()
    first.close()
    second.close()


def test_locked_error_after_timeout_says_it_waited(target: StateTarget):
    """A second writer that times out says how long it waited."""
    first, second = open_target(target), open_target(target)
    with (
        first.locked("apply"),
        pytest.raises(StateLockedError, match=r"after waiting 0\.3s"),
        second.locked("apply", timeout=0.3),
    ):
        pass
    first.close()
    second.close()


def test_unlock_checks_the_id_and_frees_the_lock(target: StateTarget):
    """``unlock`` refuses a wrong id; with the right one a new writer can lock."""
    holder, other = open_target(target), open_target(target)
    with holder.locked("hung apply") as writer:
        info = writer.info
        writer.bind("sandbox")
        with pytest.raises(StateError, match=r"does not match|no lock with id"):
            other.unlock("not-the-id")
        removed = other.unlock(info.lock_id)
        assert removed.lock_id == info.lock_id
        with pytest.raises(StateLockedError, match="was removed"):
            record_intents(writer, [intent("a")])  # a holder that lost its lock writes nothing
        if target.backend == "sqlite":
            with other.locked("apply"):
                assert other.lock_holder() is not None
    with other.locked("apply"):  # PostgreSQL: the holder's session was terminated
        pass
    holder.close()
    other.close()


def test_holder_details_are_read_patiently(target: StateTarget, monkeypatch):
    """A contender that finds no holder details yet retries, then reports what it knows."""
    from reconciler.state import holder

    monkeypatch.setattr(holder, "HOLDER_READ_SECONDS", 0.2)
    first, second = open_target(target), open_target(target)
    with first.locked("apply") as writer:
        if target.backend == "sqlite":
            first.location.holder_path.unlink()
        else:
            from sqlalchemy import delete

            from reconciler.state.tables import locks

            with writer.ready_engine().begin() as conn:
                conn.execute(delete(locks))
        with (
            pytest.raises(StateLockedError, match="has not recorded its details"),
            second.locked("apply"),
        ):
            pass
    first.close()
    second.close()


def test_writes_and_lock_in_one_store(target: StateTarget):
    """A store cannot take its own lock twice."""
    store = open_target(target)
    with (
        store.locked("once"),
        pytest.raises(StateError, match="already held"),
        store.locked("again"),
    ):
        pass
    store.close()


def test_a_holder_file_that_cannot_be_removed_neither_hides_the_error_nor_keeps_the_lock(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    """A disk turned read-only under a SQLite writer: the error that stopped it escapes, not
    "cannot unlock", and the OS lock is freed (the stale details are ignored)."""
    target = StateTarget("sqlite", ".reconciler/dev.sqlite", tmp_path)
    store, other = open_target(target), open_target(target)
    unlink = Path.unlink

    def read_only(path: Path, missing_ok: bool = False) -> None:
        if path.name.endswith(".lock.json"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        unlink(path, missing_ok=missing_ok)

    with pytest.raises(StateError, match="the write that failed"), store.locked("apply"):
        monkeypatch.setattr(Path, "unlink", read_only)
        raise StateError("the write that failed")
    monkeypatch.undo()
    with other.locked("apply") as writer:  # the lock is free
        assert writer.info.command == "apply"
    store.close()
    other.close()
