"""The fallback journal: outcomes the state could not take are kept, refused, recovered."""

from __future__ import annotations

import stat

import pytest

from reconciler.errors import JournalPendingError
from reconciler.state import open_reader, open_store, read_snapshot
from reconciler.state.base import AttemptStatus
from reconciler.state.fallback import read_fallback
from tests.state.conftest import StateTarget
from tests.state.helpers import created, fresh, intent, locked, outcome
from tests.support.factories import record_intents


def _journal_after_lost_outcomes(target: StateTarget):
    """Two creates whose outcomes went to the fallback journal instead of the state."""
    with locked(target) as store:
        a, b = record_intents(store, [intent("a"), intent("b")])
        store.write_fallback(created(a, "cmp-a"))
        store.write_fallback(outcome(b, AttemptStatus.IN_DOUBT, http_status=504))
        return store.location.journal_path, a, b


def test_fallback_is_private_and_fsynced_jsonl(target: StateTarget):
    """Each outcome is one JSON line in a 0600 file beside the state."""
    path, a, _ = _journal_after_lost_outcomes(target)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if target.backend == "sqlite":
        assert path.name == "dev.sqlite.journal"
    else:
        assert path == target.root / ".reconciler" / "dev.journal"
    contents = read_fallback(path)
    assert [x.key for x in contents.attempts] == ["a", "b"] and not contents.torn
    assert contents.attempts[0].campaign_id == "cmp-a" and contents.attempts[0].id == a.id


def test_every_opening_refuses_while_journal_pends(target: StateTarget):
    """Readers and writers refuse, naming `state recover`, until it is merged."""
    _journal_after_lost_outcomes(target)
    for opener in (read_snapshot, open_reader, open_store):
        with pytest.raises(JournalPendingError) as err:
            opener(target.location, "dev", root=target.root)
        assert "reconciler state recover --env dev" in err.value.hint


def test_torn_last_line_is_dropped_and_stays_in_doubt(target: StateTarget):
    """A line cut short by a crash is reported; its attempt stays pending (in doubt)."""
    path, _, _ = _journal_after_lost_outcomes(target)
    whole = path.read_text()
    first_line = whole.splitlines(keepends=True)[0]
    path.write_text(first_line + whole.splitlines()[1][:20])
    store = open_store(target.location, "dev", root=target.root, for_recovery=True)
    with store.locked("state recover") as writer:
        result = writer.recover(actor="ops")
    store.close()
    assert result.torn and [x.key for x in result.merged] == ["a"]
    snap = fresh(target)
    assert "a" in snap.campaigns and snap.in_doubt["b"].status is AttemptStatus.PENDING


def test_a_writer_that_opened_before_the_journal_appeared_refuses_under_the_lock(
    target: StateTarget,
):
    """A writer opened early (it waited for the lock) still refuses once it holds the lock."""
    waiting = open_store(target.location, "dev", root=target.root)  # opened: no journal yet
    try:
        _journal_after_lost_outcomes(target)
        with pytest.raises(JournalPendingError), waiting.locked("apply"):
            pass
        assert waiting.lock_holder() is None  # the refused writer let go of the lock
    finally:
        waiting.close()
