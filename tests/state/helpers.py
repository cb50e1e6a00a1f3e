"""Small builders, a locked-store helper, and the stores of the contract suite."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from reconciler.state import SqlStateStore, open_reader, open_store, read_snapshot
from reconciler.state.base import Attempt, AttemptStatus, StateSnapshot, StateStore, StateWriter
from reconciler.state.writer import SqlStateWriter
from tests.state.conftest import StateTarget
from tests.support.fake_state import FakeStateStore

API = "https://api.example.test"


def intent(
    key: str, *, fingerprint: str = "f" * 64, body: Mapping[str, Any] | None = None
) -> Attempt:
    """A pending create attempt for ``key``."""
    return Attempt(
        id=0,
        key=key,
        kind="create",
        status=AttemptStatus.PENDING,
        fingerprint=fingerprint,
        source_fingerprint="s" * 64,
        body=dict(body or {"name": f"Campaign {key}", "touchpoint": {"customer_details": []}}),
        idempotency_key=f"idem-{key}",
        started_at=datetime.now(UTC),
        actor="tester",
        run_id="run-1",
    )


def outcome(attempt: Attempt, status: AttemptStatus, **changes: Any) -> Attempt:
    """``attempt`` with an outcome."""
    return dataclasses.replace(attempt, status=status, finished_at=datetime.now(UTC), **changes)


def created(attempt: Attempt, campaign_id: str) -> Attempt:
    return outcome(
        attempt, AttemptStatus.CREATED, campaign_id=campaign_id, http_status=201, ctx_id="ctx"
    )


def open_target(target: StateTarget, **kwargs: Any) -> SqlStateStore:
    return open_store(target.location, target.environment, root=target.root, **kwargs)


@contextmanager
def locked(target: StateTarget, api_url: str = API) -> Iterator[SqlStateWriter]:
    """A writer, bound, its store locked and closed afterwards."""
    store = open_target(target)
    try:
        with store.locked("test") as writer:
            writer.bind(api_url)
            yield writer
    finally:
        store.close()


def fresh(target: StateTarget) -> StateSnapshot:
    """The state as a brand-new connection reads it (what survives a crash)."""
    return read_snapshot(target.location, target.environment, root=target.root)


class StoreBackend(Protocol):
    """One store under the contract suite: the fake, or the SQL store on a database."""

    name: str

    def locked(self) -> AbstractContextManager[StateWriter]:
        """A writer's store, locked and bound to ``API``."""
        ...

    def recovering(self) -> AbstractContextManager[StateWriter]:
        """A store opened and locked for ``state recover``."""
        ...

    def writer(self) -> AbstractContextManager[StateWriter]:
        """A writer's store opened and locked for ``apply`` (not bound)."""
        ...

    def fresh(self) -> StateSnapshot:
        """The state as a new reader sees it (for the SQL store: what survives a crash)."""
        ...

    def journal(self) -> Sequence[Attempt]:
        """Every journal entry, read by a new reader."""
        ...

    def fallback_pending(self) -> bool:
        """Whether outcomes wait in the fallback journal."""
        ...

    def opened(self) -> AbstractContextManager[StateStore]:
        """The store a writer opens (``open_store``), closed afterwards."""
        ...


class FakeBackend:
    """The in-memory fake of tests/support/fake_state.py, not yet bound."""

    name = "fake"

    def __init__(self) -> None:
        self.store = FakeStateStore(bound_to=None)

    @contextmanager
    def locked(self) -> Iterator[StateWriter]:
        with self.store.locked("test") as writer:
            writer.bind(API)
            yield writer

    @contextmanager
    def recovering(self) -> Iterator[StateWriter]:
        with self.store.locked("state recover") as writer:
            yield writer

    @contextmanager
    def writer(self) -> Iterator[StateWriter]:
        with self.store.locked("apply") as writer:
            yield writer

    @contextmanager
    def opened(self) -> Iterator[StateStore]:
        yield self.store

    def fresh(self) -> StateSnapshot:
        return self.store.snapshot()

    def journal(self) -> Sequence[Attempt]:
        return self.store.journal()

    def fallback_pending(self) -> bool:
        return bool(self.store.fallback)


class SqlBackend:
    """The SQL store on ``target`` (SQLite or PostgreSQL), a new store per use."""

    def __init__(self, target: StateTarget) -> None:
        self.target = target
        self.name = target.backend

    def locked(self) -> AbstractContextManager[StateWriter]:
        return locked(self.target)

    @contextmanager
    def recovering(self) -> Iterator[StateWriter]:
        store = open_target(self.target, for_recovery=True)
        try:
            with store.locked("state recover") as writer:
                yield writer
        finally:
            store.close()

    @contextmanager
    def writer(self) -> Iterator[StateWriter]:
        store = open_target(self.target)
        try:
            with store.locked("apply") as writer:
                yield writer
        finally:
            store.close()

    @contextmanager
    def opened(self) -> Iterator[StateStore]:
        store = open_target(self.target)
        try:
            yield store
        finally:
            store.close()

    def fresh(self) -> StateSnapshot:
        return fresh(self.target)

    def journal(self) -> Sequence[Attempt]:
        reader = open_reader(self.target.location, self.target.environment, root=self.target.root)
        try:
            return reader.journal()
        finally:
            reader.close()

    def fallback_pending(self) -> bool:
        probe = open_target(self.target, for_recovery=True)
        try:
            return probe.location.journal_path.exists()
        finally:
            probe.close()
