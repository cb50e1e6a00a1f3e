"""Small builders and a locked-store helper for the state tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from reconciler.state import SqlStateStore, open_store, read_snapshot
from reconciler.state.base import Attempt, AttemptStatus, StateSnapshot
from tests.state.conftest import StateTarget

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
def locked(target: StateTarget, api_url: str = API) -> Iterator[SqlStateStore]:
    """A writer store, locked and bound, closed afterwards."""
    store = open_target(target)
    try:
        with store.lock("test"):
            store.bind(api_url)
            yield store
    finally:
        store.close()


def fresh(target: StateTarget) -> StateSnapshot:
    """The state as a brand-new connection reads it (what survives a crash)."""
    return read_snapshot(target.location, target.environment, root=target.root)
