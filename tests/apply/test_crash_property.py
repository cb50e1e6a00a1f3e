"""Property: a flaky API, crashes at random points and re-planning never create a key twice."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.api.base import CreateResult
from reconciler.executor import CreateTask
from reconciler.state.base import Attempt, RecordedCampaign
from tests.apply.helpers import tasks
from tests.support.fake_api import FakeCampaignAPI, created, failed, in_doubt
from tests.support.fake_state import (
    FakeStateStore,
    FakeStateWriter,
    SimulatedCrash,
    execute_locked,
)

CALLS = ["ok", "ok", "fail", "doubt_created", "doubt_nothing", "crash_before", "crash_after"]


class FlakyAPI(FakeCampaignAPI):
    """Answers each call by the next drawn behaviour; 'crash_*' kill the process."""

    def __init__(self, store: FakeStateStore, behaviours: Iterator[str]) -> None:
        super().__init__(store)
        self.behaviours = behaviours

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        key = str(body["name"])
        behaviour = next(self.behaviours, "ok")
        if behaviour == "crash_before":
            self._check_intent(key)
            raise SimulatedCrash
        step = {
            "fail": failed(400),
            "doubt_created": in_doubt(server_created=True),
            "doubt_nothing": in_doubt(server_created=False),
        }.get(behaviour, created())
        self.script[key] = [step]
        result = super().create(body, idempotency_key=idempotency_key, key=key)
        if behaviour == "crash_after":
            raise SimulatedCrash
        return result


def _resolve_in_doubt(store: FakeStateStore, api: FakeCampaignAPI) -> None:
    """What a person does: import what ContactSwing has, forget what it does not."""
    for key, attempt in store.snapshot().in_doubt.items():
        with store.locked("state import") as writer:
            _settle(writer, key, attempt, api.server.get(key))


def _settle(writer: FakeStateWriter, key: str, attempt: Attempt, ids: list[str] | None) -> None:
    """Import what ContactSwing has, forget what it does not."""
    if ids:
        writer.import_campaign(
            RecordedCampaign(
                key,
                ids[0],
                key,
                attempt.fingerprint,
                attempt.source_fingerprint,
                dict(attempt.body or {}),
                None,
                "person",
                attempt.started_at,
            )
        )
    else:
        writer.forget(key, actor="person")


def _to_create(store: FakeStateStore, all_tasks: list[CreateTask]) -> list[CreateTask]:
    snap = store.snapshot()
    return [t for t in all_tasks if t.key not in snap.campaigns and t.key not in snap.in_doubt]


def _crash_writes(store: FakeStateStore, crashes: Iterator[bool]) -> None:
    def crash_on(op: str) -> None:
        if next(crashes, False):
            raise SimulatedCrash

    store.crash_on = crash_on


def _converge(
    n: int,
    parallelism: int,
    behaviours: list[str],
    write_crashes: list[bool],
) -> tuple[FakeStateStore, FakeCampaignAPI]:
    store = FakeStateStore()
    api = FlakyAPI(store, iter(behaviours))
    _crash_writes(store, iter(write_crashes))
    all_tasks = tasks(n)
    for _ in range(len(behaviours) + len(write_crashes) + 3):
        store.crash_on, saved = None, store.crash_on
        _resolve_in_doubt(store, api)  # a person's resolution does not crash here
        store.crash_on = saved
        todo = _to_create(store, all_tasks)
        if not todo:
            break
        with contextlib.suppress(SimulatedCrash):
            execute_locked(todo, store, api, parallelism=parallelism, batch=3)
        assert api.duplicates() == {}
    return store, api


def _check_converged(store: FakeStateStore, api: FakeCampaignAPI, n: int) -> None:
    assert api.violations == []
    assert api.duplicates() == {}
    assert set(store.campaigns) == {f"c{i:03d}" for i in range(n)}
    for key, record in store.campaigns.items():
        assert api.server[key] == [record.campaign_id]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 6),
    behaviours=st.lists(st.sampled_from(CALLS), max_size=12),
    write_crashes=st.lists(st.booleans(), max_size=12),
)
def test_crashes_and_flaky_answers_never_create_a_key_twice(
    n: int, behaviours: list[str], write_crashes: list[bool]
) -> None:
    """Serial runs with crashes anywhere converge: every key created once, state matches."""
    store, api = _converge(n, 1, behaviours, write_crashes)
    _check_converged(store, api, n)


def test_parallel_crashes_never_create_a_key_twice() -> None:
    """The same with four requests in flight when the process dies (seeded, many rounds)."""
    for seed in range(60):
        rng = random.Random(seed)
        behaviours = [rng.choice(CALLS) for _ in range(rng.randint(0, 20))]
        write_crashes = [rng.random() < 0.15 for _ in range(rng.randint(0, 20))]
        store, api = _converge(12, 4, behaviours, write_crashes)
        _check_converged(store, api, 12)
