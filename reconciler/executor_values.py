"""The values of an apply run: a create task, the run's options, its outcome, progress
events, the result, and the rate limiter's token bucket (no I/O; ``reconciler.executor``
runs them)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.state.base import Attempt, AttemptStatus


@dataclass(frozen=True)
class CreateTask:
    """One campaign to create.

    ``body`` is the canonical body (E.164): the state records and fingerprints it, and the
    client turns it into the wire body (``phone_format``) as it sends it.
    """

    key: str
    name: str
    body: Mapping[str, Any]
    fingerprint: str
    source_fingerprint: str
    idempotency_key: str


@dataclass(frozen=True)
class RunOptions:
    """How ``execute`` runs: at most ``parallelism`` requests at once, ``rate`` per second.

    ``batch`` is how many intents one transaction records (default: ``parallelism``);
    ``clock``/``sleep`` drive the rate limit and are injectable for tests (``sleep``
    defaults to a wait that a cancel cuts short).
    """

    parallelism: int = 4
    rate: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    on_event: Callable[[ApplyEvent], None] = lambda event: None
    actor: str = ""
    run_id: str = ""
    batch: int | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], object] | None = None

    def __post_init__(self) -> None:
        if self.parallelism < 1:
            raise ValueError("parallelism must be at least 1")


# What a task's outcome copies from its settled attempt (its message is the attempt's error).
_OUTCOME_FIELDS = ("key", "status", "http_status", "campaign_id", "ctx_id")


@dataclass(frozen=True)
class TaskOutcome:
    """What became of one task of this run; ``recorded_in`` is state, journal or nowhere."""

    key: str
    name: str
    status: AttemptStatus
    http_status: int | None = None
    campaign_id: str | None = None
    ctx_id: str | None = None
    message: str = ""
    recorded_in: str = "state"

    @classmethod
    def of(cls, name: str, attempt: Attempt, recorded_in: str) -> TaskOutcome:
        """The outcome of campaign ``name`` that ``attempt`` settled."""
        copied = {f: getattr(attempt, f) for f in _OUTCOME_FIELDS}
        return cls(name=name, message=attempt.error or "", recorded_in=recorded_in, **copied)


@dataclass(frozen=True)
class ApplyEvent:
    """Progress: ``started`` when a request goes out, ``finished`` when it is recorded."""

    kind: str
    key: str
    name: str
    total: int
    outcome: TaskOutcome | None = None


@dataclass
class ApplyResult:
    """Everything a run did. ``not_started``: keys never recorded (they plan again)."""

    outcomes: list[TaskOutcome] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (bad token, wrong path, state error)
    cancelled: bool = False
    state_failure: str = ""  # set when outcomes went to the fallback journal (or nowhere)

    @property
    def exit_code(self) -> int:
        """130 when cancelled; 1 when anything of this run failed, is in doubt or stopped."""
        if self.cancelled:
            return 130
        bad = {AttemptStatus.FAILED, AttemptStatus.IN_DOUBT}
        if self.stopped or self.state_failure or any(o.status in bad for o in self.outcomes):
            return 1
        return 0


class TokenBucket:
    """At most ``rate`` starts per second (burst 1); ``clock`` injectable for tests."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = clock()

    def delay(self) -> float:
        """Seconds to wait before the next start may go (0 when it may go now)."""
        return max(0.0, self._next - self.clock())

    def take(self) -> None:
        self._next = max(self._next, self.clock()) + self.interval
