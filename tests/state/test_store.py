"""The SQL store alone, on each database: writes need the lock and a bound state, and a
state of another environment or API is refused. What every store promises, the fake
included, is in test_store_contract.py."""

from __future__ import annotations

import pytest

from reconciler.errors import StateError
from reconciler.state import open_store, read_snapshot
from tests.state.conftest import StateTarget
from tests.state.helpers import API, fresh, intent, locked, open_target
from tests.support.factories import record_intents


def test_writes_need_the_lock(target: StateTarget):
    """A writer that did not take the environment lock cannot write: the store has no
    write method, and a writer kept past its lock refuses."""
    with locked(target) as writer:
        pass
    store = open_target(target)
    assert not hasattr(store, "record_step")
    with pytest.raises(StateError, match="lock"):
        record_intents(writer, [intent("a")])
    store.close()


def test_foreign_environment_is_refused(target: StateTarget):
    """A state bound to another environment is refused for reading and writing."""
    with locked(target):
        pass
    with pytest.raises(StateError, match="belongs to environment 'dev', not 'prod'") as err:
        read_snapshot(target.location, "prod", root=target.root)
    assert "must not re-create every campaign" in err.value.hint
    store = open_store(target.location, "prod", root=target.root)
    with pytest.raises(StateError, match="belongs to environment"), store.locked("t") as w:
        w.bind(API)
    store.close()


def test_foreign_api_is_refused(target: StateTarget):
    """A state bound to one API is refused when opened for another."""
    with locked(target, api_url=API + "/"):
        pass
    with pytest.raises(StateError, match="is bound to API"):
        read_snapshot(target.location, "dev", root=target.root, api_url="sandbox")
    with pytest.raises(StateError, match="is bound to API"), locked(target, api_url="sandbox"):
        pass
    assert fresh(target).api_url == API  # trailing slash normalised


def test_a_write_before_bind_is_refused_under_every_lock(target: StateTarget):
    """The binding is checked once per lock held, so a store never bound is refused each
    time; once bound, a later lock checks it again."""
    store = open_target(target)
    try:
        for _ in range(2):
            with (
                store.locked("test") as writer,
                pytest.raises(StateError, match="not bound to its environment yet"),
            ):
                record_intents(writer, [intent("a")])
        with store.locked("test") as writer:
            writer.bind("https://api.example.test")
            record_intents(writer, [intent("a")])
        with store.locked("test") as writer:
            [b] = record_intents(writer, [intent("b")])
            assert b.id > 0
    finally:
        store.close()
    assert set(fresh(target).in_doubt) == {"a", "b"}
