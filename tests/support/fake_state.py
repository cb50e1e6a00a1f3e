"""An in-memory ``StateStore`` (and its ``StateWriter``) with observable state and failure
injection.

It keeps the rows in dicts but decides nothing itself: what a snapshot shows
(``snapshot.journal_head``), what a write refuses and the journal entries it adds
(``rules``) are the SQL store's own rules, so the two refuse the same writes (the
contract suite, tests/state/test_store_contract.py, runs on both). Each write works on a
copy of the rows that replaces them only when it succeeds: all or none, like a
transaction.

Tests read ``campaigns``, ``attempts``, ``fallback`` and ``steps`` directly, and make the
store fail on purpose (``fail_record_outcome``, ``fail_record_intents``, ``crash_on``) to
check what the executor does when the state cannot be written or the process dies.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.api.base import CampaignAPI
from reconciler.errors import JournalPendingError, StateError, StateLockedError
from reconciler.executor import ApplyResult, CreateTask, RunOptions, execute
from reconciler.state import rules
from reconciler.state.base import (
    UNRESOLVED,
    Attempt,
    AttemptStatus,
    LockInfo,
    RecordedCampaign,
    RecoverResult,
    StateSnapshot,
)
from reconciler.state.snapshot import snapshot_of


class SimulatedCrash(BaseException):
    """Raised to stand for the process dying: nothing after it runs (not an Exception)."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Rows:
    """One write's copy of the store's rows: it replaces them only when the write succeeds."""

    attempts: dict[int, Attempt]
    campaigns: dict[str, RecordedCampaign]
    next_id: int

    def insert(self, attempt: Attempt) -> Attempt:
        stored = dataclasses.replace(attempt, id=self.next_id)
        self.attempts[stored.id] = stored
        self.next_id += 1
        return stored

    def recorded_ids(self, keys: Iterable[str]) -> dict[str, str]:
        return {k: self.campaigns[k].campaign_id for k in keys if k in self.campaigns}

    def record_outcomes(self, outcomes: Sequence[Attempt]) -> None:
        recorded = {i: (a.key, a.fingerprint) for i, a in self.attempts.items()}
        rules.check_outcomes(outcomes, recorded)
        moment = _now()
        intents = {a.id: self.attempts[a.id] for a in outcomes}
        for attempt in outcomes:
            self.attempts[attempt.id] = rules.with_outcome(intents[attempt.id], attempt, moment)
        created = [a for a in outcomes if a.status is AttemptStatus.CREATED]
        for attempt in rules.new_records(created, self.recorded_ids(a.key for a in created)):
            self.campaigns[attempt.key] = rules.campaign_of(intents[attempt.id], attempt, moment)

    def record_intents(self, intents: Sequence[Attempt]) -> list[Attempt]:
        keys = {a.key for a in intents}
        doubtful = {a.key for a in self.attempts.values() if a.key in keys and _open(a)}
        rules.refuse_duplicate_sends(intents, keys & self.campaigns.keys(), doubtful)
        return [self.insert(a) for a in intents]

    def settle(self, key: str, note: str, moment: datetime) -> int:
        """Resolve the key's unresolved attempts; how many there were."""
        unresolved = [a for a in self.attempts.values() if a.key == key and _open(a)]
        for attempt in unresolved:
            self.attempts[attempt.id] = rules.settled(attempt, note, moment)
        return len(unresolved)

    def merge(self, attempt: Attempt, actor: str) -> None:
        """One outcome of the fallback journal (``state recover``)."""
        stored = self.attempts.get(attempt.id)
        action = rules.merge_action((stored.key, str(stored.status)) if stored else None, attempt)
        moment = _now()
        if action == "update" and stored is not None:
            self.attempts[attempt.id] = rules.with_outcome(stored, attempt, moment)
        elif action == "insert":
            self.insert(attempt)
        created = attempt.status is AttemptStatus.CREATED and attempt.campaign_id
        if created and rules.new_records([attempt], self.recorded_ids([attempt.key])):
            self.campaigns[attempt.key] = rules.campaign_of(attempt, attempt, moment)
        self.insert(rules.recover_event(attempt, actor, moment))


def _open(attempt: Attempt) -> bool:
    return attempt.status in UNRESOLVED


class FakeStateStore:
    """A ``StateStore`` kept in dicts; every write bumps ``serial`` like the real one.

    It has no write method: ``locked()`` yields a ``writer_type`` writer."""

    writer_type: type[FakeStateWriter]  # set below the writer's class

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
        self.steps: list[tuple[int, int]] = []  # (outcomes, intents) of each recorded step
        self.lock_calls = 0  # how often a writer asked for the lock (taking it writes a file)
        # Failure injection: how many of the next steps with outcomes (intents) are refused.
        self.fail_record_outcome = 0
        self.fail_record_intents = 0
        self.fail_write_fallback = 0
        # Crash injection: called with the operation name before each write; may raise.
        self.crash_on: Callable[[str], None] | None = None
        self._mutex = threading.RLock()
        self._next_id = 1

    # -- reading -------------------------------------------------------------------------
    def snapshot(self) -> StateSnapshot:
        """What the planner reads, by the SQL store's rules (``snapshot_of``)."""
        with self._mutex:
            if not self.exists:
                return StateSnapshot.empty(self.environment)
            meta = {"lineage": self.lineage, "serial": self.serial, "api_url": self.api_url}
            # Like the real store: no bodies (``bodies`` reads them).
            records = {k: dataclasses.replace(r, body=None) for k, r in self.campaigns.items()}
            heads = [(a.id, a.key, a.kind, str(a.status)) for a in self.journal()]
            return snapshot_of(self.environment, meta, records, heads, self._attempts)

    def _attempts(self, ids: Iterable[int]) -> list[Attempt]:
        return [self.attempts[i] for i in ids]

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        with self._mutex:
            return {k: self.campaigns[k] for k in set(keys) if k in self.campaigns}

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        with self._mutex:
            found = [a for a in self.attempts.values() if key is None or a.key == key]
            return sorted(found, key=lambda a: a.id)

    def lock_holder(self) -> LockInfo | None:
        return self.holder

    def pending(self, key: str) -> list[Attempt]:
        """The unresolved attempts of ``key`` (what a crash would leave in doubt)."""
        return [a for a in self.journal(key) if _open(a)]

    def intent_writes(self) -> int:
        """How many writes recorded intents."""
        return sum(1 for _, intents in self.steps if intents)

    # -- locking -------------------------------------------------------------------------
    @contextmanager
    def locked(
        self, command: str, timeout: float = 0.0, *, environ: Mapping[str, str] | None = None
    ) -> Iterator[FakeStateWriter]:
        """Hold the lock and yield its writer, which refuses every call once it ends."""
        self.lock_calls += 1
        if self.holder is not None:
            raise StateLockedError(f"locked by {self.holder.describe()}")
        if self.fallback and command != "state recover":
            raise JournalPendingError("a fallback journal awaits `state recover`")
        self.holder = LockInfo("lock-1", self.environment, 1, "host", _now(), command=command)
        writer = self.writer_type(self, self.holder)
        try:
            yield writer
        finally:
            writer.live = False
            self.holder = None

    def close(self) -> None:
        return None


class FakeStateWriter:
    """The fake's writer: it exists only under ``FakeStateStore.locked`` and writes the
    store's rows by the SQL store's rules."""

    def __init__(self, store: FakeStateStore, info: LockInfo) -> None:
        self.store, self.info = store, info
        self.live = True

    def snapshot(self) -> StateSnapshot:
        return self._live().snapshot()

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        return self._live().bodies(keys)

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        return self._live().journal(key)

    def _live(self) -> FakeStateStore:
        if not self.live:
            raise StateError("this state writer's lock was released: nothing more is written")
        return self.store

    @contextmanager
    def _write(self, op: str) -> Iterator[_Rows]:
        """One journaled write: all of it or, on an error, none; bumps the serial."""
        s = self._live()
        with s._mutex:
            if s.crash_on is not None:
                s.crash_on(op)
            rows = _Rows(dict(s.attempts), dict(s.campaigns), s._next_id)
            yield rows
            s.attempts, s.campaigns = rows.attempts, rows.campaigns
            s._next_id = rows.next_id
            s.writes.append(op)
            s.serial += 1

    def bind(self, api_url: str) -> None:
        s = self._live()
        if s.exists:
            if s.api_url != api_url:
                raise StateError(f"state is bound to {s.api_url}")
            return
        if s.crash_on is not None:
            s.crash_on("bind")
        s.writes.append("bind")  # like the real store: the state is made at serial 0
        s.exists, s.lineage, s.api_url = True, "lineage-1", api_url

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        """Outcomes, then new intents, in one write (all or none): ``Recorder.record_step``."""
        s = self._live()
        with s._mutex:
            if outcomes and s.fail_record_outcome:
                s.fail_record_outcome -= 1
                raise StateError("state is not writable (injected)")
            if intents and s.fail_record_intents:
                s.fail_record_intents -= 1
                raise StateError("state is not writable (injected)")
            if not (outcomes or intents):
                return []
            with self._write("record_step") as rows:
                if outcomes:
                    rows.record_outcomes(outcomes)
                stored = rows.record_intents(intents)
            s.steps.append((len(outcomes), len(intents)))
            return stored

    def write_fallback(self, attempt: Attempt) -> None:
        """Append an outcome the state could not take (the journal beside the state)."""
        s = self._live()
        if s.fail_write_fallback:
            s.fail_write_fallback -= 1
            raise OSError("fallback journal is not writable (injected)")
        s.fallback.append(attempt)

    def import_campaign(self, record: RecordedCampaign) -> None:
        with self._write("import") as rows:
            note = rules.import_note(record, rows.recorded_ids([record.key]).get(record.key))
            rows.campaigns[record.key] = dataclasses.replace(record, body=record.loaded_body())
            moment = _now()
            rows.settle(record.key, note, moment)
            rows.insert(rules.import_event(record, moment))

    def forget(self, key: str, *, actor: str) -> None:
        with self._write("forget") as rows:
            moment = _now()
            count = rows.settle(key, rules.FORGET_NOTE, moment)
            record = rows.campaigns.pop(key, None)
            rows.insert(rules.forget_event(key, actor, record, count, moment))

    def move(self, old_key: str, new_key: str, *, actor: str) -> None:
        with self._write("move") as rows:
            present = set(rows.recorded_ids([old_key, new_key]))
            entries = rules.move_events(old_key, new_key, present, actor, _now())
            rows.campaigns[new_key] = dataclasses.replace(rows.campaigns.pop(old_key), key=new_key)
            for entry in entries:
                rows.insert(entry)

    def recover(self, *, actor: str = "") -> RecoverResult:
        """Merge the fallback journal in one write; it is emptied only when that succeeds."""
        s = self._live()
        with s._mutex:
            merged = tuple(s.fallback)
            if merged:
                with self._write("recover") as rows:
                    for attempt in merged:
                        rows.merge(attempt, actor)
            s.fallback = []
            return RecoverResult(merged, torn=False)


FakeStateStore.writer_type = FakeStateWriter


def execute_locked(
    creates: Sequence[CreateTask], store: FakeStateStore, api: CampaignAPI, **options: Any
) -> ApplyResult:
    """``execute`` recording through ``store``'s writer, under its lock, as apply runs it."""
    with store.locked("apply") as writer:
        return execute(creates, writer, api, RunOptions(**options))
