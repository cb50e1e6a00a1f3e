"""Statements shared by the store's write transactions (each runs inside one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, insert, select, update

from reconciler.errors import StateError
from reconciler.state.base import UNRESOLVED, Attempt, AttemptStatus, RecordedCampaign
from reconciler.state.rows import attempt_values, campaign_values, now, utc
from reconciler.state.tables import attempts, campaigns
from reconciler.words import count

CHUNK = 500  # ids or keys per IN (...): well under every database's bound-parameter limit
_OUTCOME_FIELDS = ("status", "finished_at", "http_status", "campaign_id", "ctx_id", "error")


def insert_attempt(conn: Connection, attempt: Attempt) -> int:
    """Insert a journal entry; returns its id."""
    result = conn.execute(insert(attempts).values(**attempt_values(attempt)))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_intents(conn: Connection, intents: Sequence[Attempt]) -> list[int]:
    """Insert a batch of intents (keys unique: ``refuse_duplicate_sends`` first); their ids.

    One multi-row INSERT ... RETURNING where the database has it, instead of a statement
    per intent: the main thread of an apply released and re-took the GIL per statement.
    """
    if len(intents) < 2 or not conn.dialect.insert_executemany_returning:
        return [insert_attempt(conn, a) for a in intents]
    rows = [attempt_values(a) for a in intents]
    result = conn.execute(insert(attempts).returning(attempts.c.id, attempts.c.key), rows)
    ids = {key: int(id_) for id_, key in result}
    return [ids[a.key] for a in intents]


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
    """Mark a key's unresolved attempts as resolved; returns how many there were.

    The attempt's own error (``HTTP 500 ...``) is kept and the note appended: it is what
    a person judged the doubt by. ``started_at`` stays the time the attempt was sent.
    """
    error = attempts.c.error
    kept = case(
        (error.is_(None) | (error == ""), note),
        else_=error + f"; {note}",
    )
    result = conn.execute(
        update(attempts)
        .where(attempts.c.key == key, attempts.c.status.in_([str(s) for s in UNRESOLVED]))
        .values(status=str(AttemptStatus.RESOLVED), finished_at=now(), error=kept)
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


def import_record(conn: Connection, record: RecordedCampaign) -> None:
    """``state import``: record a campaign created outside a run, settling its doubts."""
    existing = conn.execute(select(campaigns).where(campaigns.c.key == record.key))
    if (row := existing.mappings().first()) is not None:
        raise StateError(
            f"{record.key!r} is already recorded as campaign {row['campaign_id']}",
            hint="`state forget` it first if that record is wrong",
        )
    conn.execute(campaigns.insert().values(**campaign_values(record)))
    note = f"settled by state import ({record.campaign_id})"
    resolve_open_attempts(conn, record.key, note)
    journal_entry(
        conn,
        record.key,
        "import",
        AttemptStatus.CREATED,
        actor=record.created_by,
        body=record.body,
        fingerprint=record.fingerprint,
        source_fingerprint=record.source_fingerprint,
        campaign_id=record.campaign_id,
        ctx_id=record.ctx_id,
    )


def forget_key(conn: Connection, key: str, actor: str) -> None:
    """``state forget``: drop a record and settle its in-doubt attempts."""
    query = select(campaigns).where(campaigns.c.key == key)
    row = conn.execute(query).mappings().first()
    settled = resolve_open_attempts(conn, key, "settled by state forget")
    if row is None and not settled:
        raise StateError(f"the state has no record and no in-doubt attempt for {key!r}")
    if row is not None:
        conn.execute(campaigns.delete().where(campaigns.c.key == key))
    journal_entry(
        conn,
        key,
        "forget",
        AttemptStatus.RESOLVED,
        actor=actor,
        body=row["body"] if row else None,
        fingerprint=row["fingerprint"] if row else "",
        source_fingerprint=row["source_fingerprint"] if row else "",
        campaign_id=row["campaign_id"] if row else None,
        error=f"forgotten (settled {count(settled, 'in-doubt attempt')})",
    )


def move_record(conn: Connection, old_key: str, new_key: str, actor: str) -> None:
    """Re-key a record after a rename in ``previous_keys``."""
    keys = conn.execute(
        select(campaigns.c.key).where(campaigns.c.key.in_([old_key, new_key]))
    ).scalars()
    present = set(keys)
    if old_key not in present or new_key in present:
        raise StateError(
            f"cannot move the record {old_key!r} to {new_key!r}: "
            + ("the target is already recorded" if new_key in present else "no such record")
        )
    conn.execute(update(campaigns).where(campaigns.c.key == old_key).values(key=new_key))
    for key, note in ((old_key, f"moved to {new_key}"), (new_key, f"moved from {old_key}")):
        journal_entry(conn, key, "move", AttemptStatus.RESOLVED, actor=actor, error=note)


def write_step(
    conn: Connection, outcomes: Sequence[Attempt], intents: Sequence[Attempt]
) -> list[Attempt]:
    """Outcomes, then new intents (refused for a key created or in doubt); the intents
    with their ids."""
    if outcomes:
        write_outcomes(conn, outcomes)
    if not intents:
        return []
    refuse_duplicate_sends(conn, intents)
    ids = insert_intents(conn, intents)
    return [dataclasses.replace(a, id=i) for a, i in zip(intents, ids, strict=True)]


def write_outcomes(conn: Connection, outcomes: Sequence[Attempt]) -> None:
    """Update attempts with their outcomes; created ones become campaign records.

    Each outcome must match a recorded intent (same id, key and fingerprint), else the
    whole transaction is refused. Statements are batched (one SELECT of the intents, one
    executemany UPDATE, one INSERT ... SELECT): the campaign's body is copied from the
    recorded intent by the database, never decoded and encoded again here.
    """
    if len({a.id for a in outcomes}) != len(outcomes):
        raise StateError("an outcome batch names the same attempt twice (a bug)")
    stored = _intents_of(conn, [a.id for a in outcomes])
    for attempt in outcomes:
        row = stored.get(attempt.id)
        if row is None or row[0] != attempt.key:
            raise StateError(f"no recorded intent {attempt.id} for {attempt.key!r}")
        if row[1] != attempt.fingerprint:
            raise StateError(f"the outcome of {attempt.key!r} names another fingerprint (a bug)")
    moment = now()
    conn.execute(_RECORD_OUTCOME, [_outcome_params(a, moment) for a in outcomes])
    created = [a for a in outcomes if a.status is AttemptStatus.CREATED]
    if created:
        _insert_created(conn, created, moment)


def _intents_of(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(key, fingerprint) of the attempts ``ids``, by id."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(_INTENTS_BY_ID, {"ids": list(ids[start : start + CHUNK])})
        found.update((int(r[0]), (r[1], r[2])) for r in rows)
    return found


def _outcome_params(attempt: Attempt, moment: datetime) -> dict[str, Any]:
    values = attempt_values(attempt, with_body=False)
    values["finished_at"] = values["finished_at"] or moment
    params = {f"o_{f}": values[f] for f in _OUTCOME_FIELDS}
    params["o_id"] = attempt.id
    return params


def _insert_created(conn: Connection, created: Sequence[Attempt], moment: datetime) -> None:
    """Campaign records of created outcomes, skipping one already recorded with the same id.

    A record of the key with another campaign id is a conflict, never overwritten.
    """
    for attempt in created:
        if not attempt.campaign_id:
            raise StateError(f"a created outcome for {attempt.key!r} has no campaign id (a bug)")
    existing = _recorded_ids(conn, [a.key for a in created])
    fresh: list[dict[str, Any]] = []
    for attempt in created:
        recorded = existing.get(attempt.key)
        if recorded is not None and recorded != attempt.campaign_id:
            raise StateError(
                f"{attempt.key!r} is already recorded as campaign {recorded}, "
                f"not {attempt.campaign_id}",
                hint="resolve it with `state forget` or `state import`",
            )
        if recorded is None:
            fresh.append(_campaign_params(attempt, moment))
    if fresh:
        conn.execute(_CAMPAIGN_FROM_INTENT, fresh)


def _recorded_ids(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(keys), CHUNK):
        rows = conn.execute(_RECORDED_IDS, {"keys": list(keys[start : start + CHUNK])})
        found.update((r[0], r[1]) for r in rows)
    return found


def _campaign_params(attempt: Attempt, moment: datetime) -> dict[str, Any]:
    return {
        "c_id": attempt.id,
        "c_campaign_id": attempt.campaign_id,
        "c_name": str((attempt.body or {}).get("name", "")),
        "c_ctx_id": attempt.ctx_id,
        "c_created_at": utc(attempt.finished_at) if attempt.finished_at else moment,
    }


def _campaign_from_intent() -> Any:
    """INSERT INTO campaigns SELECT ... FROM attempts WHERE id = :c_id (executemany).

    Key, fingerprints, body and actor come from the recorded intent itself; the outcome
    adds the campaign id, ctx_id and time. The name is the body's (checked equal by the
    fingerprint above).
    """
    c = campaigns.c
    source = select(
        attempts.c.key,
        bindparam("c_campaign_id", type_=c.campaign_id.type),
        bindparam("c_name", type_=c.name.type),
        attempts.c.fingerprint,
        attempts.c.source_fingerprint,
        attempts.c.body,
        bindparam("c_ctx_id", type_=c.ctx_id.type),
        attempts.c.actor,
        bindparam("c_created_at", type_=c.created_at.type),
    ).where(attempts.c.id == bindparam("c_id"))
    names = ["key", "campaign_id", "name", "fingerprint", "source_fingerprint", "body",
             "ctx_id", "created_by", "created_at"]  # fmt: skip
    return insert(campaigns).from_select(names, source)


_CAMPAIGN_FROM_INTENT = _campaign_from_intent()


def refuse_duplicate_sends(conn: Connection, intents: Sequence[Attempt]) -> None:
    """The storage layer's own guard: never an intent for a key created or in doubt."""
    keys = sorted({a.key for a in intents})
    if len(keys) != len(intents):
        raise StateError("an intent batch names the same key twice (a bug)")
    created: set[str] = set()
    doubtful: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = {"keys": keys[start : start + CHUNK]}
        created.update(conn.execute(_CREATED_KEYS, chunk).scalars())
        doubtful.update(conn.execute(_OPEN_KEYS, chunk).scalars())
    if created or doubtful:
        problems = [f"{k} (already created)" for k in sorted(created)]
        problems += [f"{k} (in doubt)" for k in sorted(doubtful - created)]
        raise StateError(
            "refusing to send again: " + ", ".join(problems),
            hint="the state changed since the plan was made; plan again",
        )


# The statements of every apply step, built once: building them per call (an IN list of
# new bound parameters, then a cache key over it) was a third of the step's CPU.
_CREATED_KEYS = select(campaigns.c.key).where(
    campaigns.c.key.in_(bindparam("keys", expanding=True))
)
_OPEN_KEYS = select(attempts.c.key).where(
    attempts.c.key.in_(bindparam("keys", expanding=True)),
    attempts.c.status.in_([str(s) for s in UNRESOLVED]),
)
_INTENTS_BY_ID = select(attempts.c.id, attempts.c.key, attempts.c.fingerprint).where(
    attempts.c.id.in_(bindparam("ids", expanding=True))
)
_RECORDED_IDS = select(campaigns.c.key, campaigns.c.campaign_id).where(
    campaigns.c.key.in_(bindparam("keys", expanding=True))
)
_RECORD_OUTCOME = (
    update(attempts)
    .where(attempts.c.id == bindparam("o_id"))
    .values({f: bindparam(f"o_{f}", type_=attempts.c[f].type) for f in _OUTCOME_FIELDS})
)
