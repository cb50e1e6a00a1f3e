"""The executor records outcomes that finish together in one transaction, losing none."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.api.base import CreateResult, Outcome
from reconciler.errors import StateError
from reconciler.executor import ApplyEvent, RunOptions, execute
from reconciler.state.base import Attempt, AttemptStatus
from tests.apply.helpers import tasks
from tests.support.fake_api import FakeCampaignAPI, failed
from tests.support.fake_state import FakeStateStore, FakeStateWriter, execute_locked


class SlowWriter(FakeStateWriter):
    """Each step takes its store's ``delay`` s (an fsync), so requests finish meanwhile."""

    store: SlowStore

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        s = self.store
        time.sleep(s.delay)
        if outcomes and s.accept_outcomes is not None:
            if len(outcomes) > s.accept_outcomes:
                s.accept_outcomes = 0
                s.refused_sizes.append(len(outcomes))
                raise StateError("state is not writable (injected)")
            s.accept_outcomes -= len(outcomes)
        return super().record_step(outcomes, intents)


class SlowStore(FakeStateStore):
    """A fake whose writer is slow (``SlowWriter``).

    ``accept_outcomes``: how many outcomes the state takes; the step that would exceed it,
    and every later step with outcomes, is refused (its size kept in ``refused_sizes``).
    """

    writer_type = SlowWriter

    def __init__(self, delay: float = 0.01, *, accept_outcomes: int | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.accept_outcomes = accept_outcomes
        self.refused_sizes: list[int] = []


class MinimalRecorder:
    """Only the ``Recorder`` protocol, nothing else of a store."""

    def __init__(self) -> None:
        self.steps: list[tuple[list[Attempt], list[Attempt]]] = []
        self.fallback: list[Attempt] = []

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        first = 1 + sum(len(i) for _, i in self.steps)
        stored = [dataclasses.replace(a, id=first + n) for n, a in enumerate(intents)]
        self.steps.append((list(outcomes), stored))
        return stored

    def write_fallback(self, attempt: Attempt) -> None:
        self.fallback.append(attempt)


class CountingAPI:
    """Creates everything; checks the intent is recorded before each request."""

    def __init__(self, store: FakeStateStore) -> None:
        self.store = store
        self.sent: list[str] = []
        self.unrecorded: list[str] = []
        self._lock = threading.Lock()

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        key = str(body["name"]).removeprefix("Campaign ")
        pending = [a for a in self.store.attempts.values() if a.idempotency_key == idempotency_key]
        with self._lock:
            self.sent.append(idempotency_key)
            if not pending:
                self.unrecorded.append(key)
        return CreateResult(Outcome.CREATED, 201, f"id-{idempotency_key}", "ctx")

    def close(self) -> None:
        pass


def test_the_executor_records_through_the_recorder_protocol_alone() -> None:
    """``record_step`` and ``write_fallback`` are all the executor needs of a store."""
    recorder = MinimalRecorder()
    api = FakeCampaignAPI()
    result = execute(tasks(5), recorder, api, RunOptions(parallelism=2, batch=2))
    assert result.exit_code == 0
    assert [len(i) for _, i in recorder.steps if i] == [2, 2, 1]
    outcomes = [a for o, _ in recorder.steps for a in o]
    assert sorted(a.key for a in outcomes) == [t.key for t in tasks(5)]
    assert all(a.status is AttemptStatus.CREATED for a in outcomes)
    assert recorder.fallback == []


def test_outcomes_finished_together_are_recorded_in_one_write() -> None:
    """While one outcome is written the others finish; they are then recorded at once."""
    store = SlowStore(0.05)
    api = CountingAPI(store)
    result = execute_locked(tasks(20), store, api, parallelism=4)
    assert result.exit_code == 0
    assert api.unrecorded == []
    assert len(api.sent) == 20
    assert len(store.campaigns) == 20
    assert all(a.status is AttemptStatus.CREATED for a in store.attempts.values())
    batch_sizes = [outcomes for outcomes, _ in store.steps if outcomes]
    assert batch_sizes and max(batch_sizes) >= 2
    assert len(batch_sizes) < 20


def test_a_refused_batch_goes_whole_to_the_fallback_journal() -> None:
    """When the state refuses, every outcome of every batch sent is kept in the journal."""
    store = SlowStore(0.05, accept_outcomes=2)  # at most two outcomes recorded; then none
    api = CountingAPI(store)
    result = execute_locked(tasks(20), store, api, parallelism=4)
    assert result.exit_code == 1
    assert result.state_failure
    assert len(api.sent) > 2
    in_state = {
        a.idempotency_key for a in store.attempts.values() if a.status is AttemptStatus.CREATED
    }
    journaled = {a.idempotency_key for a in store.fallback if a.status is AttemptStatus.CREATED}
    assert in_state | journaled == set(api.sent)
    assert len(in_state) <= 2
    assert store.refused_sizes and max(store.refused_sizes) >= 2
    assert not in_state & journaled
    assert len(result.outcomes) == len(store.attempts)


class SlowAPI(CountingAPI):
    """Creates everything after ``delay`` s; remembers the most intents recorded unstarted."""

    def __init__(self, store: FakeStateStore, delay: float = 0.005) -> None:
        super().__init__(store)
        self.delay = delay
        self.started: set[str] = set()  # keys the executor has started (its events)
        self.most_unstarted = 0

    def on_event(self, event: ApplyEvent) -> None:
        if event.kind == "started":
            with self._lock:
                self.started.add(event.key)

    def create(
        self, body: Mapping[str, Any], *, idempotency_key: str, key: str = ""
    ) -> CreateResult:
        result = super().create(body, idempotency_key=idempotency_key, key=key)
        with self.store._mutex, self._lock:
            unstarted = [
                a
                for a in self.store.attempts.values()
                if a.status is AttemptStatus.PENDING and a.key not in self.started
            ]
            self.most_unstarted = max(self.most_unstarted, len(unstarted))
        time.sleep(self.delay)
        return result


def test_a_step_records_outcomes_with_the_next_intents_in_one_write() -> None:
    """The SQL store's way: what finished and the next batch share a commit; none is lost."""
    store = SlowStore()
    api = SlowAPI(store)
    result = execute_locked(tasks(60), store, api, parallelism=4)
    assert result.exit_code == 0
    assert api.unrecorded == []
    assert sorted(api.sent) == sorted(t.idempotency_key for t in tasks(60))
    assert len(store.campaigns) == 60
    assert all(a.status is AttemptStatus.CREATED for a in store.attempts.values())
    assert any(outcomes and intents for outcomes, intents in store.steps)
    assert max(outcomes for outcomes, _ in store.steps) >= 2
    assert len(store.writes) < 60  # fewer commits than creates, not two per create


def test_intents_recorded_ahead_of_sending_never_exceed_one_batch() -> None:
    """What a crash could leave in doubt unsent stays within ``batch`` (docs/apply.md)."""
    for store in (SlowStore(), FakeStateStore()):
        api = SlowAPI(store)
        execute_locked(tasks(40), store, api, parallelism=4, batch=4, on_event=api.on_event)
        assert len(store.campaigns) == 40
        assert 0 < api.most_unstarted <= 4


def test_no_request_starts_after_an_answer_stops_the_run() -> None:
    """With requests in flight, a 401 stops new starts even though the next are recorded."""
    for _ in range(2):
        store = FakeStateStore()
        api = FakeCampaignAPI(store, script={"c001": [failed(401, stop_run=True)]})
        api.on_call = lambda key: None if key in ("c000", "c001") else time.sleep(0.05)
        result = execute_locked(tasks(12), store, api, parallelism=4, batch=4)
        assert [c[0] for c in api.calls][:2] == ["c000", "c001"]
        assert len(api.calls) == 5  # c000 alone, then c001..c004; nothing after the 401
        assert result.stopped
        statuses = {a.key: a.status for a in store.attempts.values()}
        assert statuses["c001"] is AttemptStatus.FAILED
        assert all(statuses[k] is AttemptStatus.CREATED for k in ("c000", "c002", "c003"))
        assert set(result.not_started) | set(statuses) == {t.key for t in tasks(12)}
        assert all(s is not AttemptStatus.PENDING for s in statuses.values())
