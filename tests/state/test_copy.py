"""``state migrate``: a whole state copied between stores, lineage and serial included."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state import copy_state, read_snapshot
from reconciler.state.base import AttemptStatus, StateSnapshot
from tests.state.conftest import StateTarget
from tests.state.helpers import created, intent, locked, open_target, outcome
from tests.support.factories import record_intents, record_outcome


def _populate(target: StateTarget) -> StateSnapshot:
    with locked(target) as store:
        a, b, c = record_intents(store, [intent("a"), intent("b"), intent("c")])
        record_outcome(store, created(a, "cmp-a"))
        record_outcome(store, outcome(b, AttemptStatus.IN_DOUBT, http_status=502))
        record_outcome(store, outcome(c, AttemptStatus.FAILED, error="bad"))
    return read_snapshot(target.location, "dev", root=target.root)


def _same(a: StateSnapshot, b: StateSnapshot) -> None:
    assert (a.lineage, a.serial, a.api_url, a.environment) == (
        b.lineage,
        b.serial,
        b.api_url,
        b.environment,
    )
    assert a.campaigns == b.campaigns
    assert a.in_doubt == b.in_doubt and a.last_failures == b.last_failures


def test_copy_sqlite_to_sqlite_and_refuse_non_empty_target(tmp_path: Path):
    """A copy equals its source; copying onto a state that holds anything is refused."""
    root = tmp_path / "p"
    root.mkdir()
    source = StateTarget("sqlite", "a.sqlite", root)
    original = _populate(source)
    result = copy_state("a.sqlite", "b.sqlite", root=root)
    assert (result.campaigns, result.attempts, result.serial) == (1, 3, original.serial)
    _same(original, read_snapshot("b.sqlite", "dev", root=root))
    with pytest.raises(StateError, match="already holds a state"):
        copy_state("a.sqlite", "b.sqlite", root=root)


def test_copied_state_keeps_working(tmp_path: Path):
    """New journal entries in a copy get fresh ids after the copied ones."""
    root = tmp_path / "p"
    root.mkdir()
    _populate(StateTarget("sqlite", "a.sqlite", root))
    copy_state("a.sqlite", "b.sqlite", root=root)
    with locked(StateTarget("sqlite", "b.sqlite", root)) as store:
        [d] = record_intents(store, [intent("d")])
    assert d.id == 4  # after the three copied attempts
    assert read_snapshot("b.sqlite", "dev", root=root).in_doubt["d"].id == d.id


@pytest.mark.postgres
def test_round_trip_sqlite_postgres_sqlite(tmp_path: Path, pg_database: str):
    """SQLite -> PostgreSQL -> SQLite loses nothing, and the PostgreSQL copy is writable."""
    root = tmp_path / "p"
    root.mkdir()
    original = _populate(StateTarget("sqlite", "a.sqlite", root))
    copy_state("a.sqlite", pg_database, root=root)
    on_pg = read_snapshot(pg_database, "dev", root=root)
    _same(original, on_pg)
    copy_state(pg_database, "back.sqlite", root=root)
    _same(original, read_snapshot("back.sqlite", "dev", root=root))
    pg = StateTarget("postgres", pg_database, root)
    with locked(pg) as store:
        [d] = record_intents(store, [intent("d")])
    reader = open_target(pg)
    assert d.id == 1 + max(a.id for a in reader.journal() if a.key != "d")
    reader.close()
