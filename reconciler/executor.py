"""The imperative shell of apply: intent -> request -> outcome, for each create.

Order per create, and why:
1. the intent (a ``pending`` attempt) is recorded durably BEFORE the request, so a crash
   at any instant leaves the key in doubt rather than forgotten (no duplicate next run);
2. the request is sent (a worker thread; at most ``parallelism`` at once, ``rate`` per s;
   the very first goes alone, so a bad token or path stops the run after one request);
3. the outcome is recorded durably AFTER, by this (the main) thread only, so the store is
   never written from two threads.
Intents are recorded in batches just ahead of sending. Each turn of the loop waits for
requests to finish, starts the next ones whose intents are already recorded, then writes
the outcomes of what finished, with the next batch of intents when the recorded ones ran
out, in ONE transaction (one commit, one fsync): every write is a ``Recorder.record_step``.
A ``stop_run`` answer (bad token, wrong path), a cancel, or a state that cannot be written
stops new requests; the ones in flight finish and are recorded; intents recorded but never
sent are recorded ``cancelled`` (they plan again as create). An in-doubt create is never
retried here. When the state refuses a step, its outcomes go to the fallback journal and
its intents (never sent) back to the to-do list.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

from reconciler.api.base import CampaignAPI, CreateResult, Outcome
from reconciler.executor_values import (
    ApplyEvent,
    ApplyResult,
    CreateTask,
    RunOptions,
    TaskOutcome,
    TokenBucket,
)
from reconciler.state.base import Attempt, AttemptStatus, Recorder

__all__ = [
    "ApplyEvent",
    "ApplyResult",
    "CreateTask",
    "RunOptions",
    "TaskOutcome",
    "TokenBucket",
    "execute",
]

log = logging.getLogger(__name__)

_POLL = 0.1  # seconds between looks at the cancel flag while waiting
# What an intent copies from its task; the run adds its actor and id, and the time.
_FROM_TASK = ("key", "fingerprint", "source_fingerprint", "body", "idempotency_key")


def _now() -> datetime:
    return datetime.now(UTC)


def _send(api: CampaignAPI, task: CreateTask) -> CreateResult:
    """One request; anything unexpected is an unknown outcome (never retried)."""
    try:
        return api.create(task.body, idempotency_key=task.idempotency_key, key=task.key)
    except Exception as exc:  # a crash mid-request: nobody knows whether it was created
        return CreateResult(Outcome.IN_DOUBT, message=f"unexpected error: {type(exc).__name__}")


_STATUS = {
    Outcome.CREATED: AttemptStatus.CREATED,
    Outcome.FAILED: AttemptStatus.FAILED,
    Outcome.IN_DOUBT: AttemptStatus.IN_DOUBT,
}


def _settled(attempt: Attempt, result: CreateResult) -> Attempt:
    status = _STATUS[result.outcome]
    if status is AttemptStatus.CREATED and not result.campaign_id:
        status = AttemptStatus.IN_DOUBT  # a client bug must not record a created without id
    return dataclasses.replace(
        attempt,
        status=status,
        finished_at=_now(),
        http_status=result.http_status,
        campaign_id=result.campaign_id,
        ctx_id=result.ctx_id,
        error=result.message or None,
    )


def _cancelled(attempt: Attempt) -> Attempt:
    return dataclasses.replace(
        attempt, status=AttemptStatus.CANCELLED, finished_at=_now(), error="not sent"
    )


class _Run:
    """The state of one ``execute`` call; the main loop lives in ``run``."""

    def __init__(
        self,
        creates: Sequence[CreateTask],
        store: Recorder,
        api: CampaignAPI,
        options: RunOptions,
    ) -> None:
        self.todo: deque[CreateTask] = deque(creates)
        self.total = len(creates)
        self.store, self.api, self.o = store, api, options
        self.batch = max(1, options.batch or options.parallelism)
        self.sleep = options.sleep or options.cancel.wait
        self.ready: deque[tuple[CreateTask, Attempt]] = deque()  # recorded, not sent
        self.inflight: dict[Future[CreateResult], tuple[CreateTask, Attempt]] = {}
        self.result = ApplyResult()
        self.answered = 0  # requests that have an answer (the first goes alone)
        self.bucket = TokenBucket(options.rate, options.clock) if options.rate else None

    # -- stopping ------------------------------------------------------------------------
    def stopping(self) -> bool:
        if self.o.cancel.is_set():
            self.result.cancelled = True
        return self.result.cancelled or bool(self.result.stopped)

    def stop(self, reason: str) -> None:
        if not self.result.stopped:
            self.result.stopped = reason

    # -- recording -----------------------------------------------------------------------
    def take_batch(self) -> list[CreateTask]:
        """The next tasks whose intents to record (none once the run is stopping)."""
        if self.stopping():
            return []
        return [self.todo.popleft() for _ in range(min(self.batch, len(self.todo)))]

    def record_batch(self) -> None:
        """Record the next batch of intents in one transaction (never skipping one)."""
        if batch := self.take_batch():
            self.record([], batch)

    def record(
        self, settled: Sequence[tuple[CreateTask, Attempt]], batch: list[CreateTask]
    ) -> None:
        """One step: the outcomes of ``settled`` and the intents of ``batch``, all or none.

        A refused step stops the run: its outcomes go to the fallback journal, its intents
        (nothing of them was sent) back to the to-do list, where they plan again.
        """
        intents = [self._intent(task) for task in batch]
        try:
            stored = self.store.record_step([attempt for _, attempt in settled], intents)
        except Exception as exc:  # the state refused: keep the outcomes beside it, stop
            self.todo.extendleft(reversed(batch))
            self._refused(exc)
            wheres = [self._fallback(attempt) for _, attempt in settled]
        else:
            wheres = ["state"] * len(settled)
            self.ready.extend(zip(batch, stored, strict=True))
        for (task, attempt), where in zip(settled, wheres, strict=True):
            self._report(task, attempt, where)

    def _intent(self, task: CreateTask) -> Attempt:
        """The pending attempt recorded before ``task`` is sent."""
        values = {f: getattr(task, f) for f in _FROM_TASK}
        values |= {"actor": self.o.actor, "run_id": self.o.run_id, "started_at": _now()}
        return Attempt(id=0, kind="create", status=AttemptStatus.PENDING, **values)

    def _refused(self, exc: Exception) -> None:
        self.result.state_failure = self.result.state_failure or str(exc) or repr(exc)
        self.stop(f"the state could not be written: {self.result.state_failure}")

    def _report(self, task: CreateTask, attempt: Attempt, where: str) -> None:
        outcome = TaskOutcome.of(task.name, attempt, where)
        self.result.outcomes.append(outcome)
        self.notify(ApplyEvent("finished", task.key, task.name, self.total, outcome))

    def notify(self, event: ApplyEvent) -> None:
        """Tell the display; a display that fails (a closed pipe) must not stop recording."""
        try:
            self.o.on_event(event)
        except Exception:
            log.warning("progress display failed; the run goes on", exc_info=True)

    def _fallback(self, attempt: Attempt) -> str:
        try:
            self.store.write_fallback(attempt)
        except Exception as exc:  # a full disk: the report below carries the outcome
            log.error("the fallback journal could not be written either: %s", exc)
            return "nowhere"
        return "journal"

    # -- the loop ------------------------------------------------------------------------
    def held(self) -> float:
        """Seconds the rate limit holds the next request back (0: it may go now)."""
        return self.bucket.delay() if self.bucket is not None else 0.0

    def limit(self) -> int:
        """The first create goes alone: a bad token or path then costs one request, not N."""
        return self.o.parallelism if self.answered else 1

    def fill(self, pool: ThreadPoolExecutor, *, record: bool) -> None:
        """Start requests while there is room; ``record``: record intents when none is left."""
        while len(self.inflight) < self.limit() and not self.stopping():
            if self.held() > 0:
                return
            if not self.ready:
                if not (record and self.todo):
                    return
                self.record_batch()
                continue
            task, attempt = self.ready.popleft()
            if self.bucket is not None:
                self.bucket.take()
            self.notify(ApplyEvent("started", task.key, task.name, self.total))
            self.inflight[pool.submit(_send, self.api, task)] = (task, attempt)

    def step(self, pool: ThreadPoolExecutor) -> None:
        """Wait for requests in flight; start the next ones, then record what finished.

        Starting first keeps ``parallelism`` requests in flight while the step commits
        (their intents are already durable); nothing starts once an answer stops the run.
        """
        timeout = min(_POLL, self.held() or _POLL)
        done, _ = wait(list(self.inflight), timeout=timeout, return_when=FIRST_COMPLETED)
        settled: list[tuple[CreateTask, Attempt]] = []
        for future in done:
            task, attempt = self.inflight.pop(future)
            result = future.result()
            if result.stop_run:
                self.stop(result.message or f"HTTP {result.http_status}")
            settled.append((task, _settled(attempt, result)))
        if not settled:
            return
        self.answered += len(settled)
        self.fill(pool, record=False)
        self.record(settled, [] if self.ready else self.take_batch())

    def run(self) -> ApplyResult:
        with ThreadPoolExecutor(max_workers=self.o.parallelism) as pool:
            while True:
                self.fill(pool, record=True)
                if self.inflight:
                    self.step(pool)
                elif self.stopping() or not (self.todo or self.ready):
                    break
                elif held := self.held():
                    self.sleep(min(held, _POLL))
        self.finish()
        return self.result

    def finish(self) -> None:
        """Intents recorded but never sent: ``cancelled``; the rest were never recorded."""
        unsent, self.ready = list(self.ready), deque()
        if unsent:
            self.record([(task, _cancelled(attempt)) for task, attempt in unsent], [])
        self.result.not_started = [task.key for task in self.todo]


def execute(
    creates: Sequence[CreateTask],
    store: Recorder,
    api: CampaignAPI,
    options: RunOptions | None = None,
) -> ApplyResult:
    """Create each campaign: intent recorded, request sent, outcome recorded (see module doc)."""
    return _Run(creates, store, api, options or RunOptions()).run()
