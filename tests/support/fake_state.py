"""An in-memory ``StateStore`` with observable state and failure injection.

Tests read ``campaigns``, ``attempts`` and ``fallback`` directly, and make the store fail
on purpose (``fail_record_outcome``, ``fail_record_intents``, ``crash_on``) to check what
the executor does when the state cannot be written or the process dies.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from reconciler.errors import JournalPendingError, StateError, StateLockedError
from reconciler.state.base import (
    UNRESOLVED,
    Attempt,
    AttemptStatus,
    LockInfo,
    RecordedCampaign,
    StateSnapshot,
)
from reconciler.state.recovery import RecoverResult


class SimulatedCrash(BaseException):
    """Raised to stand for the process dying: nothing after it runs (not an Exception)."""


def _now() -> datetime:
    return datetime.now(UTC)


class FakeStateStore:
    """A ``StateStore`` kept in dicts; every write bumps ``serial`` like the real one."""

    def __init__(self, environment: str = "dev", *, bound_to: str | None = "sandbox") -> None:
        """A store already bound to ``bound_to``; ``bound_to=None`` for a state not yet made."""
        self.environment = environment
        self.exists = bound_to is not None
        self.lineage: str | None = "lineage-1" if bound_to else None
        self.api_url: str | None = bound_to
        self.serial = 0
        self.campaigns: dict[str, RecordedCampaign] = {}
        self.attempts: dict[int, Attempt] = {}
        self.fallback: list[Attempt] = []
        self.holder: LockInfo | None = None
        self.writes: list[str] = []  # names of write operations, in order
        self.lock_calls = 0  # how often a writer asked for the lock (taking it writes a file)
        # Failure injection: how many of the next calls raise StateError.
        self.fail_record_outcome = 0
        self.fail_record_intents = 0
        self.fail_write_fallback = 0
        # Crash injection: called with the operation name before each write; may raise.
        self.crash_on: Callable[[str], None] | None = None
        self._mutex = threading.RLock()
        self._next_id = 1

    # -- reading -------------------------------------------------------------------------
    def snapshot(self) -> StateSnapshot:
        """What the planner reads: campaigns, latest unresolved and failed attempts."""
        with self._mutex:
            if not self.exists:
                return StateSnapshot.empty(self.environment)
            latest: dict[str, Attempt] = {}
            for attempt in sorted(self.attempts.values(), key=lambda a: a.id):
                if attempt.kind == "create":
                    latest[attempt.key] = attempt
            in_doubt = {k: a for k, a in latest.items() if a.status in UNRESOLVED}
            failures = {
                k: a
                for k, a in latest.items()
                if a.status is AttemptStatus.FAILED and k not in self.campaigns
            }
            return StateSnapshot(
                environment=self.environment,
                exists=True,
                lineage=self.lineage,
                serial=self.serial,
                api_url=self.api_url,
                # Like the real store: no bodies (``bodies`` reads them).
                campaigns={k: dataclasses.replace(r, body=None) for k, r in self.campaigns.items()},
                in_doubt=in_doubt,
                last_failures=failures,
            )

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        with self._mutex:
            return {k: self.campaigns[k] for k in set(keys) if k in self.campaigns}

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        with self._mutex:
            return [a for a in self.attempts.values() if key is None or a.key == key]

    def lock_holder(self) -> LockInfo | None:
        return self.holder

    def pending(self, key: str) -> list[Attempt]:
        """The unresolved attempts of ``key`` (what a crash would leave in doubt)."""
        return [a for a in self.journal(key) if a.status in UNRESOLVED]

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def lock(self, command: str, timeout: float = 0.0) -> Iterator[LockInfo]:
        self.lock_calls += 1
        if self.holder is not None:
            raise StateLockedError(f"locked by {self.holder.describe()}")
        if self.fallback and command != "state recover":
            raise JournalPendingError("a fallback journal awaits `state recover`")
        self.holder = LockInfo("lock-1", self.environment, 1, "host", _now(), command=command)
        try:
            yield self.holder
        finally:
            self.holder = None

    def _write(self, op: str) -> None:
        if self.crash_on is not None:
            self.crash_on(op)
        self.writes.append(op)
        self.serial += 1

    def bind(self, api_url: str) -> None:
        if self.exists:
            if self.api_url != api_url:
                raise StateError(f"state is bound to {self.api_url}")
            return
        self._write("bind")
        self.exists, self.lineage, self.api_url = True, "lineage-1", api_url

    def record_intents(self, intents: Sequence[Attempt]) -> Sequence[Attempt]:
        with self._mutex:
            if self.fail_record_intents:
                self.fail_record_intents -= 1
                raise StateError("state is not writable (injected)")
            self._write("record_intents")
            return self._insert(intents)

    def _insert(self, intents: Sequence[Attempt]) -> list[Attempt]:
        stored = []
        for intent in intents:
            attempt = dataclasses.replace(intent, id=self._next_id)
            self._next_id += 1
            self.attempts[attempt.id] = attempt
            stored.append(attempt)
        return stored

    def intent_writes(self) -> int:
        """How many writes recorded intents."""
        return self.writes.count("record_intents")

    def record_outcome(self, attempt: Attempt) -> None:
        with self._mutex:
            if self.fail_record_outcome:
                self.fail_record_outcome -= 1
                raise StateError("state is not writable (injected)")
            self._write(f"record_outcome:{attempt.status.value}")
            self._apply_outcome(attempt)

    def _apply_outcome(self, attempt: Attempt) -> None:
        if attempt.id not in self.attempts:
            raise StateError(f"no attempt {attempt.id}")
        self.attempts[attempt.id] = attempt
        if attempt.status is AttemptStatus.CREATED and attempt.campaign_id:
            self.campaigns[attempt.key] = RecordedCampaign(
                key=attempt.key,
                campaign_id=attempt.campaign_id,
                name=str((attempt.body or {}).get("name", "")),
                fingerprint=attempt.fingerprint,
                source_fingerprint=attempt.source_fingerprint,
                body=dict(attempt.body or {}),
                ctx_id=attempt.ctx_id,
                created_by=attempt.actor,
                created_at=attempt.finished_at or _now(),
            )

    def _settle(self, key: str, kind: str, actor: str) -> None:
        for attempt in list(self.attempts.values()):
            if attempt.key == key and attempt.status in UNRESOLVED:
                self.attempts[attempt.id] = dataclasses.replace(
                    attempt, status=AttemptStatus.RESOLVED, finished_at=_now()
                )
        event = Attempt(0, key, kind, AttemptStatus.RESOLVED, "", "", None, "", _now(), actor=actor)
        self.attempts[self._next_id] = dataclasses.replace(event, id=self._next_id)
        self._next_id += 1

    def import_campaign(self, record: RecordedCampaign) -> None:
        with self._mutex:
            self._write("import")
            self.campaigns[record.key] = record
            self._settle(record.key, "import", record.created_by)

    def forget(self, key: str, *, actor: str) -> None:
        with self._mutex:
            if key not in self.campaigns and not self.pending(key):
                raise StateError(f"nothing to forget for {key!r}")
            self._write("forget")
            self.campaigns.pop(key, None)
            self._settle(key, "forget", actor)

    def move(self, old_key: str, new_key: str, *, actor: str) -> None:
        with self._mutex:
            self._write("move")
            record = self.campaigns.pop(old_key)
            self.campaigns[new_key] = dataclasses.replace(record, key=new_key)

    def write_fallback(self, attempt: Attempt) -> None:
        """Append an outcome the state could not take (the journal beside the state)."""
        if self.fail_write_fallback:
            self.fail_write_fallback -= 1
            raise OSError("fallback journal is not writable (injected)")
        self.fallback.append(attempt)

    def recover(self, *, actor: str = "") -> RecoverResult:
        """Merge the fallback journal into the state; returns what was merged."""
        with self._mutex:
            merged, self.fallback = self.fallback, []
            for attempt in merged:
                self._write("recover")
                self._apply_outcome(attempt)
            return RecoverResult(tuple(merged), torn=False)

    def close(self) -> None:
        return None


class SteppingStore(FakeStateStore):
    """The fake store plus ``record_step`` (outcomes and new intents in one write, all or
    none), as the SQL store has it: the executor then takes its one-commit-per-step path.

    ``steps`` lists (outcomes, intents) per step; the injected failures and crashes of the
    fake store apply to a step as a whole.
    """

    def __init__(self, environment: str = "dev", *, bound_to: str | None = "sandbox") -> None:
        super().__init__(environment, bound_to=bound_to)
        self.steps: list[tuple[int, int]] = []

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        with self._mutex:
            if outcomes and self.fail_record_outcome:
                self.fail_record_outcome -= 1
                raise StateError("state is not writable (injected)")
            if intents and self.fail_record_intents:
                self.fail_record_intents -= 1
                raise StateError("state is not writable (injected)")
            if any(a.id not in self.attempts for a in outcomes):
                raise StateError("no such attempt")
            self._write("record_step")
            self.steps.append((len(outcomes), len(intents)))
            for attempt in outcomes:
                self._apply_outcome(attempt)
            return self._insert(intents)

    def intent_writes(self) -> int:
        """How many writes recorded intents."""
        return self.writes.count("record_intents") + sum(1 for _, i in self.steps if i)
