"""``gc_paused``: no collection inside; with ``keep`` what was made inside is never rescanned."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reconciler.perf import gc_paused


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_paused_inside_and_restored_after(unfrozen: None):
    """The collector is off inside and on again after, and nothing is frozen by default."""
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert made[-1] == [999]


def test_keep_freezes_what_lives_on_and_cycles_stay_collectable_after(unfrozen: None):
    """With keep, the objects made inside are frozen; a cycle made afterwards is collected."""
    with gc_paused(keep=True):
        kept = [{"key": str(i)} for i in range(1000)]
    assert gc.get_freeze_count() >= len(kept)
    assert gc.isenabled()
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


def test_a_paused_caller_stays_paused(unfrozen: None):
    """Nested pauses do not switch the collector back on early."""
    with gc_paused():
        with gc_paused(keep=True):
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
