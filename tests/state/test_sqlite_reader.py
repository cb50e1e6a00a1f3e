"""The stdlib SQLite reader (``SqliteReader``): what SQLAlchemy would read, refusals included.

It is the only SQLite read implementation; ``tests/state/oracle.py`` reads the same file
through SQLAlchemy to prove the values (times, JSON bodies, order) are the same.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from reconciler.errors import JournalPendingError, StateError
from reconciler.state import open_reader, read_snapshot, schema
from reconciler.state.base import AttemptStatus, RecordedCampaign, StateSnapshot
from reconciler.state.revisions import head_revision, known_revisions
from tests.state.conftest import StateTarget
from tests.state.helpers import API, created, intent, locked, outcome
from tests.state.oracle import oracle_bodies, oracle_journal, oracle_snapshot
from tests.support.factories import record_intents, record_outcome

BODY = {"name": "Diwali", "touchpoint": {"customer_details": [{"to_number": "+919812345601"}]}}


@pytest.fixture
def sqlite_target(tmp_path: Path) -> StateTarget:
    root = tmp_path / "project"
    root.mkdir()
    return StateTarget("sqlite", ".reconciler/dev.sqlite", root)


def _read(target: StateTarget, env: str = "dev", api_url: str | None = None) -> StateSnapshot:
    return read_snapshot(target.location, env, root=target.root, api_url=api_url)


def _every_kind_of_entry(target: StateTarget) -> None:
    """Created, pending, in doubt, failed (twice), imported, forgotten and moved keys."""
    with locked(target) as store:
        a, b, c, d, e, f, g = record_intents(
            store, [intent(k, body=BODY if k == "c" else None) for k in "abcdefg"]
        )
        store.record_step([created(a, "cmp-a"), created(f, "cmp-f"), created(g, "cmp-g")], ())
        record_outcome(store, outcome(c, AttemptStatus.IN_DOUBT, http_status=503))
        record_outcome(store, outcome(d, AttemptStatus.FAILED, http_status=400, error="first"))
        [d2] = record_intents(store, [intent("d")])
        record_outcome(store, outcome(d2, AttemptStatus.FAILED, http_status=422, error="again"))
        record_outcome(store, outcome(e, AttemptStatus.CANCELLED))
        store.forget("f", actor="ops")
        store.move("g", "g2", actor="ops")
        store.import_campaign(
            RecordedCampaign(
                key="imp",
                campaign_id="cmp-imp",
                name="Imported",
                fingerprint="1" * 64,
                source_fingerprint="2" * 64,
                body={"name": "Imported"},
                ctx_id=None,
                created_by="ops",
                created_at=created(a, "x").started_at,
            )
        )
        _ = b  # stays pending: in doubt


def test_the_sqlite_reader_reads_what_sqlalchemy_reads(sqlite_target: StateTarget):
    """Every record and attempt (times, bodies of attempts, statuses) is read identically."""
    _every_kind_of_entry(sqlite_target)
    fast = _read(sqlite_target, api_url=API + "/")
    path = sqlite_target.root / sqlite_target.location
    general = oracle_snapshot(path, "dev")
    assert fast == general
    assert list(fast.campaigns) == list(general.campaigns)  # same order, too
    assert set(fast.campaigns) == {"a", "g2", "imp"}
    assert set(fast.in_doubt) == {"b", "c"}
    assert fast.in_doubt["c"].body == BODY
    assert fast.last_failures["d"].error == "again"
    assert all(r.body is None and r.created_at.tzinfo is not None for r in fast.campaigns.values())
    reader = open_reader(sqlite_target.location, "dev", root=sqlite_target.root)
    assert reader.journal() == oracle_journal(path)
    assert reader.bodies(["a", "imp", "nope"]) == {
        k: v for k, v in oracle_bodies(path).items() if k in {"a", "imp"}
    }
    assert [a.key for a in reader.journal("d")] == ["d", "d"]


def test_read_snapshot_of_a_sqlite_state_imports_no_sqlalchemy(sqlite_target: StateTarget):
    """``plan``'s read of an ordinary SQLite state loads neither SQLAlchemy nor alembic."""
    _every_kind_of_entry(sqlite_target)
    code = (
        "import sys; from pathlib import Path; from reconciler.state import read_snapshot;"
        f"s = read_snapshot({sqlite_target.location!r}, 'dev',"
        f" root=Path({str(sqlite_target.root)!r}), api_url={API!r});"
        "print(len(s.campaigns), len(s.in_doubt),"
        " sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "2", "[]"]


def test_no_state_yet_is_empty_without_sqlalchemy(sqlite_target: StateTarget):
    """A first plan (no state file) gets the empty snapshot, with no import."""
    assert _read(sqlite_target) == StateSnapshot.empty("dev")
    assert not (sqlite_target.root / ".reconciler").exists()  # nothing was made
    code = (
        "import sys; from pathlib import Path; from reconciler.state import read_snapshot;"
        f"s = read_snapshot({sqlite_target.location!r}, 'dev',"
        f" root=Path({str(sqlite_target.root)!r}), api_url={API!r});"
        "print(s.exists, sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "[]"]


def test_a_journal_without_a_state_file_is_refused(sqlite_target: StateTarget):
    """Outcomes waiting in a fallback journal are never planned over, state file or not."""
    with locked(sqlite_target) as store:
        [a] = record_intents(store, [intent("a")])
        store.write_fallback(created(a, "cmp-a"))
    (sqlite_target.root / sqlite_target.location).unlink()
    with pytest.raises(JournalPendingError):
        read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)


def test_foreign_states_are_refused_and_urls_read_the_same(sqlite_target: StateTarget):
    """Another environment's or API's state is refused; a sqlite:/// URL reads the file."""
    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    assert _read(sqlite_target).exists
    with pytest.raises(StateError, match=r"bound to API https://api\.example\.test, not sandbox"):
        _read(sqlite_target, api_url="sandbox")
    url = f"sqlite:///{sqlite_target.root / sqlite_target.location}"
    assert read_snapshot(url, "dev", root=sqlite_target.root) == _read(sqlite_target)
    with pytest.raises(StateError, match="belongs to environment 'dev', not 'prod'"):
        read_snapshot(sqlite_target.location, "prod", root=sqlite_target.root)


def test_an_unknown_schema_revision_is_refused_with_its_message(sqlite_target: StateTarget):
    """A state of a revision this version does not know is refused with its message."""
    with locked(sqlite_target) as store:
        record_intents(store, [intent("a")])
    path = sqlite_target.root / sqlite_target.location
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    with pytest.raises(StateError, match="newer version of reconciler"):
        read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)


def test_a_pending_fallback_journal_is_refused(sqlite_target: StateTarget):
    """With a fallback journal waiting, reading is refused exactly as before."""
    with locked(sqlite_target) as store:
        [a] = record_intents(store, [intent("a")])
        store.write_fallback(created(a, "cmp-a"))
    with pytest.raises(JournalPendingError):
        read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)


def test_a_damaged_file_is_a_clear_error(sqlite_target: StateTarget):
    """A state file that is not a database is a StateError that names the file."""
    path = sqlite_target.root / sqlite_target.location
    path.parent.mkdir()
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StateError, match=r"dev\.sqlite"):
        read_snapshot(sqlite_target.location, "dev", root=sqlite_target.root)


def test_the_revisions_are_named_by_the_migration_files():
    """The known revisions, derived from the file names, are alembic's, oldest first."""
    script = ScriptDirectory.from_config(schema._config())
    assert known_revisions() == tuple(reversed([r.revision for r in script.walk_revisions()]))
    assert head_revision() == script.get_current_head()
