"""What a state holds, as plain values, and the interfaces of the stores.

The planner reads a ``StateSnapshot`` and nothing else. A ``StateReader`` can only read;
a ``StateWriter`` exists only under the environment's lock (``StateStore.locked``), and
each of its writes is its own durable transaction that bumps the serial.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from reconciler.errors import StateError


class AttemptStatus(StrEnum):
    """Where a journal entry stands.

    ``pending``: the intent is recorded, no outcome yet (a crash leaves it so: in doubt).
    ``created``: 2xx with an id. ``failed``: the server created nothing.
    ``in_doubt``: the outcome is unknown. ``cancelled``: never sent (the run was stopped).
    ``resolved``: an in-doubt attempt settled by ``state import``/``state forget``.
    """

    PENDING = "pending"
    CREATED = "created"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    CANCELLED = "cancelled"
    RESOLVED = "resolved"


UNRESOLVED = frozenset({AttemptStatus.PENDING, AttemptStatus.IN_DOUBT})


@dataclass(frozen=True)
class RecordedCampaign:
    """A campaign the state knows was created in ContactSwing.

    ``body`` is None when it was not loaded: a snapshot holds no bodies (the planner
    compares fingerprints); ``StateReader.bodies`` reads the few that are shown.
    """

    key: str
    campaign_id: str
    name: str
    fingerprint: str
    source_fingerprint: str
    body: Mapping[str, Any] | None
    ctx_id: str | None
    created_by: str
    created_at: datetime

    def loaded_body(self) -> Mapping[str, Any]:
        """The body sent; a StateError (never a silent None) when it was not loaded."""
        if self.body is None:
            raise StateError(
                f"the recorded body of {self.key!r} was not loaded from the state",
                hint="this is a bug in reconciler: the caller must read it with StateReader.bodies",
            )
        return self.body


@dataclass(frozen=True)
class Attempt:
    """One entry of the journal: a create attempt (or an import/forget/recover event)."""

    id: int
    key: str
    kind: str  # "create", "import", "forget", "recover", "move"
    status: AttemptStatus
    fingerprint: str
    source_fingerprint: str
    body: Mapping[str, Any] | None
    idempotency_key: str
    started_at: datetime
    finished_at: datetime | None = None
    http_status: int | None = None
    campaign_id: str | None = None
    ctx_id: str | None = None
    error: str | None = None
    actor: str = ""
    run_id: str = ""


@dataclass(frozen=True)
class StateSnapshot:
    """Everything the planner needs from one environment's state, read in one transaction.

    Its records carry no body (``RecordedCampaign.body`` is None): read the few needed
    with ``StateReader.bodies``.

    ``exists`` is False when no state has been written yet (lineage is then None).
    ``in_doubt`` holds the latest unresolved attempt per key; ``last_failures`` the latest
    failed attempt of keys that are neither created nor in doubt. ``writer`` is the live
    holder of the environment's lock when a reader read it (after the snapshot).
    """

    environment: str
    exists: bool
    lineage: str | None = None
    serial: int = 0
    api_url: str | None = None
    campaigns: Mapping[str, RecordedCampaign] = field(default_factory=dict)
    in_doubt: Mapping[str, Attempt] = field(default_factory=dict)
    last_failures: Mapping[str, Attempt] = field(default_factory=dict)
    writer: LockInfo | None = None

    @classmethod
    def empty(cls, environment: str) -> StateSnapshot:
        return cls(environment=environment, exists=False)

    def in_flight(self, key: str) -> bool:
        """Whether ``key``'s pending attempt belongs to the apply holding the lock now.

        Intents are recorded only under the lock, so a pending attempt started after the
        live holder took it is that holder's: its request is being sent, and its outcome
        is recorded when it returns. Any other pending attempt is in doubt.
        """
        attempt = self.in_doubt.get(key)
        return (
            self.writer is not None
            and attempt is not None
            and attempt.status is AttemptStatus.PENDING
            and attempt.started_at >= self.writer.started_at
        )


@dataclass(frozen=True)
class LockInfo:
    """Who holds an environment's lock; shown to a second writer."""

    lock_id: str
    environment: str
    pid: int
    host: str
    started_at: datetime
    user: str = ""
    ci_run: str = ""
    command: str = ""

    def running(self) -> str:
        """Who, and since when: "pid 4121 on runner-7 (user ci), since 2027-…"."""
        who = f"pid {self.pid} on {self.host}"
        if self.user:
            who += f" (user {self.user})"
        if self.ci_run:
            who += f", CI run {self.ci_run}"
        return f"{who}, since {self.started_at.isoformat(timespec='seconds')}"

    def describe(self) -> str:
        return f"{self.running()}, lock id {self.lock_id}"


class StateReader(Protocol):
    """Read-only access: what ``plan``, ``state list``/``show`` and apply's preview use.

    Its implementations (``SqliteReader``, ``ServerReader``) have no method that writes.
    """

    @property
    def display(self) -> str:
        """The state's location as shown to users (a password masked)."""
        ...

    def snapshot(self) -> StateSnapshot:
        """The snapshot, then the lock's live holder (its pending attempts are in flight)."""
        ...

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]:
        """The records of ``keys`` with their bodies loaded; keys not recorded are absent."""
        ...

    def journal(self, key: str | None = None) -> Sequence[Attempt]:
        """Every journal entry (of one key), oldest first."""
        ...

    def lock_holder(self) -> LockInfo | None:
        """Who holds the environment's lock now, if anyone."""
        ...

    def close(self) -> None:
        """Release what the reader holds open (a server engine's connections)."""
        ...


@dataclass(frozen=True)
class RecoverResult:
    """What ``recover`` merged; ``torn`` is an unfinished last line that was dropped
    (its attempt stays pending, i.e. in doubt: never sent again on its own)."""

    merged: tuple[Attempt, ...]
    torn: bool


class Recorder(Protocol):
    """How apply records its creates: a step at a time, and beside the state when refused."""

    def record_step(
        self, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
    ) -> Sequence[Attempt]:
        """Outcomes, then new intents, in ONE durable transaction (all or none, one serial);
        returns the intents with their ids. Nothing to record writes nothing.

        Refuses an outcome that matches no recorded intent (id, key, fingerprint), a
        created outcome without a campaign id or with another id than the key's record,
        and an intent for a key that is created or in doubt: the storage layer itself
        never lets a campaign be sent twice.
        """
        ...

    def write_fallback(self, attempt: Attempt) -> None:
        """Keep an outcome the state refused in the fallback journal beside it (durably)."""
        ...


class StateWriter(Recorder, Protocol):
    """Read-write access for apply and the state commands (``SqlStateWriter`` says what
    each write does). It exists only under the lock (``StateStore.locked``) and refuses
    every call once that lock is released."""

    @property
    def info(self) -> LockInfo: ...  # the lock this writer holds

    def snapshot(self) -> StateSnapshot: ...

    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]: ...

    def journal(self, key: str | None = None) -> Sequence[Attempt]: ...

    def bind(self, api_url: str) -> None: ...

    def import_campaign(self, record: RecordedCampaign) -> None: ...

    def forget(self, key: str, *, actor: str) -> None: ...

    def move(self, old_key: str, new_key: str, *, actor: str) -> None: ...

    def recover(self, *, actor: str) -> RecoverResult: ...


class StateStore(StateReader, Protocol):
    """A store a writer opens: it reads, and writes only through ``locked``'s writer."""

    def locked(
        self, command: str, timeout: float = 0.0, *, environ: Mapping[str, str] | None = None
    ) -> AbstractContextManager[StateWriter]:
        """Hold the environment's lock (a second writer fails, or waits ``timeout`` s)
        and yield the writer, which ends with the lock."""
        ...
