"""SQLite specifics: private files, nothing created by readers, paths relative to the root."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state import open_reader, open_store, read_snapshot
from tests.state.conftest import StateTarget
from tests.state.helpers import created, intent, locked, open_target
from tests.support.factories import record_intents, record_outcome


@pytest.fixture
def sqlite_target(tmp_path: Path) -> StateTarget:
    root = tmp_path / "project"
    root.mkdir()
    return StateTarget("sqlite", ".reconciler/dev.sqlite", root)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_files_are_private(sqlite_target: StateTarget):
    """The state, its lock files and its WAL side files are 0600 whatever the umask."""
    old = os.umask(0o022)
    try:
        with locked(sqlite_target) as store:
            [a] = record_intents(store, [intent("a")])
            record_outcome(store, created(a, "1"))
            directory = sqlite_target.root / ".reconciler"
            files = sorted(p for p in directory.iterdir() if not p.name.endswith(".tmp"))
            modes = {p.name: _mode(p) for p in files}
    finally:
        os.umask(old)
    assert "dev.sqlite" in modes and "dev.sqlite.lock" in modes and "dev.sqlite.lock.json" in modes
    assert all(mode == 0o600 for mode in modes.values()), modes
    assert _mode(directory) & 0o077 == 0


def test_readers_create_nothing(sqlite_target: StateTarget):
    """Reading a missing state (snapshot, journal, lock holder) creates no file or folder."""
    snap = read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)
    reader = open_reader(sqlite_target.location, "dev", root=sqlite_target.root)
    assert reader.journal() == [] and reader.lock_holder() is None
    reader.close()
    writer = open_store(sqlite_target.location, "dev", root=sqlite_target.root)
    assert writer.snapshot().exists is False  # a writer only creates on its first write
    writer.close()
    assert not snap.exists
    assert list(sqlite_target.root.iterdir()) == []


def test_reader_does_not_modify_an_existing_state(sqlite_target: StateTarget):
    """A read leaves the state file's bytes as they were."""
    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    path = sqlite_target.root / sqlite_target.location
    before = path.read_bytes()
    read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)
    assert path.read_bytes() == before


def test_plain_path_is_relative_to_root_and_url_accepted(sqlite_target: StateTarget):
    """A plain path lives under the project root; a sqlite:/// URL works too."""
    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    absolute = sqlite_target.root / ".reconciler" / "dev.sqlite"
    assert absolute.exists()
    snap = read_snapshot(f"sqlite:///{absolute}", "dev", root=Path("/"))
    assert set(snap.in_doubt) == {"a"}


def test_unreadable_location_is_a_clear_error(sqlite_target: StateTarget):
    """A state path that is a directory gives a StateError naming it."""
    (sqlite_target.root / "dir.sqlite").mkdir()
    with pytest.raises(StateError, match=r"dir\.sqlite"):
        read_snapshot("dir.sqlite", "dev", root=sqlite_target.root)


def test_reading_after_a_writer_leaves_no_side_files(sqlite_target: StateTarget):
    """Once the writer's lock is released, ``plan``'s read-only snapshot adds no -wal/-shm file."""
    with locked(sqlite_target) as store:
        [a] = record_intents(store, [intent("a")])
        record_outcome(store, created(a, "1"))
    directory = sqlite_target.root / ".reconciler"
    before = sorted(p.name for p in directory.iterdir())
    snap = read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)
    assert set(snap.campaigns) == {"a"}  # the data survived the switch back from WAL
    after = sorted(p.name for p in directory.iterdir())
    assert before == after
    assert not any(name.endswith(("-wal", "-shm")) for name in after)


def test_a_reader_sees_what_a_writer_committed_to_its_wal(sqlite_target: StateTarget):
    """While a writer holds the lock, its commits sit in the -wal file: a reader sees them."""
    path = sqlite_target.root / sqlite_target.location
    with locked(sqlite_target) as store:
        [a] = record_intents(store, [intent("a")])
        record_outcome(store, created(a, "1"))
        assert path.with_name(path.name + "-wal").stat().st_size > 0  # not checkpointed yet
        snap = read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)
        reader = open_reader(sqlite_target.location, "dev", root=sqlite_target.root)
        assert set(snap.campaigns) == {"a"} and set(reader.snapshot().campaigns) == {"a"}
        reader.close()


def test_a_wal_file_without_its_log_is_read_immutable_and_a_change_is_seen(
    sqlite_target: StateTarget,
):
    """No -wal beside a WAL-mode file: read as it is (no side file), and a change to the
    file during such a read is noticed, so the read is not trusted."""
    from reconciler.state.sqlite_reader import connect_readonly

    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    path = sqlite_target.root / sqlite_target.location
    wal = sqlite3.connect(path)
    wal.execute("PRAGMA journal_mode = WAL").fetchall()
    wal.close()  # the last connection: the -wal is checkpointed and deleted
    listing = sorted(p.name for p in path.parent.iterdir())
    conn = connect_readonly(path)
    assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (1,)
    assert conn.immutable_as is not None and not conn.changed_meanwhile()
    with locked(sqlite_target) as store:  # a writer commits meanwhile
        record_intents(store, [intent("b")])
    assert conn.changed_meanwhile()
    conn.close()
    assert sorted(p.name for p in path.parent.iterdir()) == listing
    assert set(read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root).in_doubt) == {
        "a",
        "b",
    }


def test_an_immutable_read_that_saw_the_file_change_is_read_again(sqlite_target: StateTarget):
    """A writer commits during the first (immutable) read: the snapshot is read once more
    and shows that commit, instead of a mix of two versions or an error."""
    from reconciler.state.binding import Binding
    from reconciler.state.sqlite_reader import SqliteReader, connect_readonly

    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    path = sqlite_target.root / sqlite_target.location
    wal = sqlite3.connect(path)
    wal.execute("PRAGMA journal_mode = WAL").fetchall()
    wal.close()  # WAL mode without its -wal: the next read is immutable
    opened: list[bool] = []

    def connect_then_commit(file: Path) -> sqlite3.Connection:
        conn = connect_readonly(file)
        opened.append(conn.immutable_as is not None)
        if len(opened) == 1:
            with locked(sqlite_target) as writer:  # a writer commits during the read
                record_intents(writer, [intent("b")])
        return conn

    reader = SqliteReader(path, sqlite_target.root, Binding("dev"), connect_then_commit)
    assert set(reader.snapshot().in_doubt) == {"a", "b"}
    assert opened == [True, False]  # the writer left the file in rollback mode


def test_a_writer_that_only_reads_a_missing_state_creates_no_file(sqlite_target: StateTarget):
    """An apply cancelled or refused before its first write leaves no state file behind."""
    store = open_target(sqlite_target)
    try:
        with store.locked("apply") as writer:
            assert not writer.snapshot().exists
            assert writer.journal() == []
    finally:
        store.close()
    assert not (sqlite_target.root / ".reconciler" / "dev.sqlite").exists()


def test_an_emptied_state_file_is_refused_by_readers_and_writers(sqlite_target: StateTarget):
    """A state truncated to zero bytes is never read as "no state" (that would resend all)."""
    with locked(sqlite_target) as writer:
        [a] = record_intents(writer, [intent("a")])
        record_outcome(writer, created(a, "1"))
    path = sqlite_target.root / ".reconciler" / "dev.sqlite"
    path.write_bytes(b"")
    with pytest.raises(StateError, match="holds no reconciler tables"):
        read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)
    refused = pytest.raises(StateError, match="holds no reconciler tables")
    with refused, locked(sqlite_target) as writer:
        writer.snapshot()
    assert path.read_bytes() == b""


def test_a_state_left_half_created_by_a_killed_writer_reads_as_no_state(
    sqlite_target: StateTarget,
):
    """Killed between creating the file and its schema: the marker says nothing was recorded."""
    path = sqlite_target.root / ".reconciler" / "dev.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"")
    (path.parent / "dev.sqlite.creating").write_bytes(b"")
    assert not read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root).exists
    with locked(sqlite_target) as writer:  # binds: the schema is created, the marker goes
        assert writer.snapshot().campaigns == {}
    assert not (path.parent / "dev.sqlite.creating").exists()
    assert read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root).exists
