"""Snapshots carry no recorded bodies; ``bodies``/``read_bodies`` load the few needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from reconciler.errors import StateError
from reconciler.state import copy_state, read_bodies, read_snapshot, schema
from tests.state.conftest import StateTarget
from tests.state.helpers import created, fresh, intent, locked, open_target
from tests.support.factories import record_intents

BODY = {"name": "Diwali", "touchpoint": {"customer_details": [{"to_number": "+919812345601"}]}}


def _record_two(target: StateTarget) -> None:
    with locked(target) as store:
        a, b = record_intents(store, [intent("a", body=BODY), intent("b")])
        store.record_step([created(a, "cmp-a"), created(b, "cmp-b")], ())


def test_snapshot_holds_no_bodies_and_refuses_to_hand_one_out(target: StateTarget):
    """A snapshot's records have body None, and asking one for its body is a StateError."""
    _record_two(target)
    snap = fresh(target)
    assert set(snap.campaigns) == {"a", "b"}
    assert all(r.body is None for r in snap.campaigns.values())
    with pytest.raises(StateError, match="body of 'a' was not loaded"):
        snap.campaigns["a"].loaded_body()


def test_bodies_reads_only_the_keys_asked(target: StateTarget):
    """``bodies`` returns the asked records with the exact body sent; unknown keys are absent."""
    _record_two(target)
    store = open_target(target)
    try:
        found = store.bodies(["a", "nope"])
    finally:
        store.close()
    assert set(found) == {"a"}
    assert found["a"].loaded_body() == BODY
    assert found["a"].campaign_id == "cmp-a"


def test_read_bodies_refuses_a_record_forgotten_since_the_snapshot(target: StateTarget):
    """A body read after its record was forgotten is an error, never another campaign's body."""
    _record_two(target)
    snap = fresh(target)
    loaded = read_bodies(
        target.location, target.environment, snap.campaigns.values(), root=target.root
    )
    assert loaded["a"].loaded_body() == BODY
    with locked(target) as store:
        store.forget("a", actor="tester")
    with pytest.raises(StateError, match="changed while planning"):
        read_bodies(target.location, target.environment, [snap.campaigns["a"]], root=target.root)


def test_state_migrate_copies_the_bodies(tmp_path: Path):
    """``state migrate`` copies every recorded body, though snapshots never read them."""
    root = tmp_path / "p"
    root.mkdir()
    _record_two(StateTarget("sqlite", "a.sqlite", root))
    copy_state("a.sqlite", "b.sqlite", root=root)
    copied = read_snapshot("b.sqlite", "dev", root=root)
    loaded = read_bodies("b.sqlite", "dev", copied.campaigns.values(), root=root)
    assert loaded["a"].loaded_body() == BODY
    assert loaded["b"].loaded_body() == intent("b").body


def test_value_types_do_not_import_sqlalchemy():
    """Importing the plan and state value types loads neither SQLAlchemy nor alembic."""
    code = (
        "import sys, reconciler.plan, reconciler.planner, reconciler.state.base;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_head_revision_is_alembics_head():
    """The revision a reader compares with is the newest migration's."""
    assert (
        ScriptDirectory.from_config(schema._config()).get_current_head() == schema.head_revision()
    )


def test_reading_a_current_state_imports_no_alembic(target: StateTarget):
    """A plan's read of an up-to-date state needs no alembic (only a migration does)."""
    _record_two(target)
    code = (
        "import sys; from pathlib import Path; from reconciler.state import read_snapshot;"
        f"s = read_snapshot({target.location!r}, 'dev', root=Path({str(target.root)!r}));"
        "print(len(s.campaigns), 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]
