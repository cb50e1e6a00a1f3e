"""Statements shared by the store's write transactions (each runs inside one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from reconciler.errors import StateError
from reconciler.state.base import UNRESOLVED, Attempt, AttemptStatus
from reconciler.state.rows import attempt_values, now
from reconciler.state.tables import attempts, campaigns


def insert_attempt(conn: Connection, attempt: Attempt) -> int:
    """Insert a journal entry; returns its id."""
    result = conn.execute(insert(attempts).values(**attempt_values(attempt)))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def journal_entry(
    conn: Connection,
    key: str,
    kind: str,
    status: AttemptStatus,
    *,
    actor: str,
    body: Mapping[str, Any] | None = None,
    fingerprint: str = "",
    source_fingerprint: str = "",
    campaign_id: str | None = None,
    ctx_id: str | None = None,
    error: str | None = None,
) -> int:
    """Journal an event that is not a create (import, forget, move, recover)."""
    moment = now()
    entry = Attempt(
        id=0,
        key=key,
        kind=kind,
        status=status,
        fingerprint=fingerprint,
        source_fingerprint=source_fingerprint,
        body=body,
        idempotency_key="",
        started_at=moment,
        finished_at=moment,
        campaign_id=campaign_id,
        ctx_id=ctx_id,
        error=error,
        actor=actor,
    )
    return insert_attempt(conn, entry)


def resolve_open_attempts(conn: Connection, key: str, note: str) -> int:
    """Mark a key's unresolved attempts as resolved; returns how many there were."""
    result = conn.execute(
        update(attempts)
        .where(attempts.c.key == key, attempts.c.status.in_([str(s) for s in UNRESOLVED]))
        .values(status=str(AttemptStatus.RESOLVED), finished_at=now(), error=note)
    )
    return int(result.rowcount)


def insert_campaign_from_attempt(conn: Connection, attempt: Attempt) -> bool:
    """Record the campaign an attempt created; False if this very record exists already.

    A record of the key with another campaign id is a conflict, never overwritten.
    """
    if not attempt.campaign_id:
        raise StateError(f"a created outcome for {attempt.key!r} has no campaign id (a bug)")
    query = select(campaigns.c.campaign_id).where(campaigns.c.key == attempt.key)
    existing = conn.execute(query).scalar()
    if existing == attempt.campaign_id:
        return False
    if existing is not None:
        raise StateError(
            f"{attempt.key!r} is already recorded as campaign {existing}, "
            f"not {attempt.campaign_id}",
            hint="resolve it with `state forget` or `state import`",
        )
    body = dict(attempt.body or {})
    conn.execute(
        insert(campaigns).values(
            key=attempt.key,
            campaign_id=attempt.campaign_id,
            name=str(body.get("name", "")),
            fingerprint=attempt.fingerprint,
            source_fingerprint=attempt.source_fingerprint,
            body=body,
            ctx_id=attempt.ctx_id,
            created_by=attempt.actor,
            created_at=attempt.finished_at or now(),
        )
    )
    return True
