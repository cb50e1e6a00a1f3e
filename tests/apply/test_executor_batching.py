"""The executor records outcomes that finish together in one transaction, losing none."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.api.base import CreateResult, Outcome
from reconciler.errors import StateError
from reconciler.executor import BatchRecorder, execute
from reconciler.state.base import Attempt, AttemptStatus
from tests.apply.helpers import tasks
from tests.support.fake_state import FakeStateStore


class BatchingStore(FakeStateStore):
    """The fake store plus ``record_outcomes`` (one write for several outcomes)."""

    def __init__(self, *, slow_single: float = 0.0) -> None:
        super().__init__()
        self.batch_sizes: list[int] = []
        self.refused_sizes: list[int] = []
        self.fail_batches = 0
        self.fail_singles_after: int | None = None  # single writes that succeed, then fail
        self.slow_single = slow_single

    def record_outcome(self, attempt: Attempt) -> None:
        time.sleep(self.slow_single)  # lets the requests in flight finish meanwhile
        if self.fail_singles_after is not None:
            if self.fail_singles_after <= 0:
                raise StateError("state is not writable (injected)")
            self.fail_singles_after -= 1
        super().record_outcome(attempt)

    def record_outcomes(self, outcomes: Sequence[Attempt]) -> None:
        with self._mutex:
            if self.fail_batches:
                self.fail_batches -= 1
                self.refused_sizes.append(len(outcomes))
                raise StateError("state is not writable (injected)")
            self._write("record_outcomes")
            self.batch_sizes.append(len(outcomes))
            for attempt in outcomes:
                self._apply_outcome(attempt)


class CountingAPI:
    """Creates everything; checks the intent is recorded before each request."""

    def __init__(self, store: FakeStateStore) -> None:
        self.store = store
        self.sent: list[str] = []
        self.unrecorded: list[str] = []
        self._lock = threading.Lock()

    def create(self, body: Mapping[str, Any], *, idempotency_key: str) -> CreateResult:
        key = str(body["name"]).removeprefix("Campaign ")
        pending = [a for a in self.store.attempts.values() if a.idempotency_key == idempotency_key]
        with self._lock:
            self.sent.append(idempotency_key)
            if not pending:
                self.unrecorded.append(key)
        return CreateResult(Outcome.CREATED, 201, f"id-{idempotency_key}", "ctx")

    def close(self) -> None:
        pass


def test_the_real_store_offers_batches() -> None:
    """The SQL store implements record_outcomes, so apply uses the batched path."""
    from reconciler.state.store import SqlStateStore

    assert issubclass(SqlStateStore, BatchRecorder)


def test_outcomes_finished_together_are_recorded_in_one_write() -> None:
    """While one outcome is written the others finish; they are then recorded at once."""
    store = BatchingStore(slow_single=0.05)
    api = CountingAPI(store)
    result = execute(tasks(20), store, api, parallelism=4)
    assert result.exit_code == 0
    assert api.unrecorded == []
    assert len(api.sent) == 20
    assert len(store.campaigns) == 20
    assert all(a.status is AttemptStatus.CREATED for a in store.attempts.values())
    assert store.batch_sizes and max(store.batch_sizes) >= 2
    assert store.writes.count("record_outcomes") < 20


def test_a_refused_batch_goes_whole_to_the_fallback_journal() -> None:
    """When the state refuses, every outcome of every batch sent is kept in the journal."""
    store = BatchingStore(slow_single=0.05)
    store.fail_batches = 1_000
    store.fail_singles_after = 2  # two outcomes are recorded alone; then nothing is
    api = CountingAPI(store)
    result = execute(tasks(20), store, api, parallelism=4)
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
