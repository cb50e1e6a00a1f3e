"""Statements shared by the store's write transactions (each runs inside one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from reconciler.state import rules
from reconciler.state.base import UNRESOLVED, Attempt, AttemptStatus, RecordedCampaign
from reconciler.state.rows import (
    attempt_from_row,
    attempt_values,
    campaign_from_row,
    campaign_values,
    chunks,
    now,
    utc,
)
from reconciler.state.tables import attempts, campaigns

_UNRESOLVED = [str(s) for s in UNRESOLVED]


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


def resolve_open_attempts(conn: Connection, key: str, note: str) -> int:
    """Mark a key's unresolved attempts as resolved (``rules.settled``); how many there were."""
    query = select(attempts).where(attempts.c.key == key, attempts.c.status.in_(_UNRESOLVED))
    moment = now()
    rows = conn.execute(query).mappings()
    resolved = [rules.settled(attempt_from_row(r), note, moment) for r in rows]
    for attempt in resolved:
        values = {"status": str(attempt.status), "finished_at": moment, "error": attempt.error}
        conn.execute(update(attempts).where(attempts.c.id == attempt.id).values(values))
    return len(resolved)


def insert_campaign_from_attempt(conn: Connection, attempt: Attempt) -> bool:
    """Record the campaign an attempt created; False if this very record exists already.

    A record of the key with another campaign id is a conflict, never overwritten.
    """
    if not rules.new_records([attempt], _recorded_ids(conn, [attempt.key])):
        return False
    record = rules.campaign_of(attempt, attempt, now())
    conn.execute(insert(campaigns).values(**campaign_values(record)))
    return True


def import_record(conn: Connection, record: RecordedCampaign) -> None:
    """``state import``: record a campaign created outside a run, settling its doubts."""
    note = rules.import_note(record, _recorded_ids(conn, [record.key]).get(record.key))
    conn.execute(campaigns.insert().values(**campaign_values(record)))
    resolve_open_attempts(conn, record.key, note)
    insert_attempt(conn, rules.import_event(record, now()))


def forget_key(conn: Connection, key: str, actor: str) -> None:
    """``state forget``: drop a record and settle its in-doubt attempts."""
    query = select(campaigns).where(campaigns.c.key == key)
    row = conn.execute(query).mappings().first()
    record = campaign_from_row(row) if row is not None else None
    count = resolve_open_attempts(conn, key, rules.FORGET_NOTE)
    entry = rules.forget_event(key, actor, record, count, now())
    if record is not None:
        conn.execute(campaigns.delete().where(campaigns.c.key == key))
    insert_attempt(conn, entry)


def move_record(conn: Connection, old_key: str, new_key: str, actor: str) -> None:
    """Re-key a record after a rename in ``previous_keys``."""
    present = set(_recorded_ids(conn, [old_key, new_key]))
    entries = rules.move_events(old_key, new_key, present, actor, now())
    conn.execute(update(campaigns).where(campaigns.c.key == old_key).values(key=new_key))
    for entry in entries:
        insert_attempt(conn, entry)


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
    rules.check_outcomes(outcomes, _intents_of(conn, [a.id for a in outcomes]))
    moment = now()
    conn.execute(_RECORD_OUTCOME, [_outcome_params(a, moment) for a in outcomes])
    created = [a for a in outcomes if a.status is AttemptStatus.CREATED]
    if created:
        _insert_created(conn, created, moment)


def _intents_of(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(key, fingerprint) of the attempts ``ids``, by id."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in chunks(ids):
        rows = conn.execute(_INTENTS_BY_ID, {"ids": chunk})
        found.update((int(r[0]), (r[1], r[2])) for r in rows)
    return found


def _outcome_params(attempt: Attempt, moment: datetime) -> dict[str, Any]:
    values = attempt_values(attempt, with_body=False)
    values["finished_at"] = values["finished_at"] or moment
    params = {f"o_{f}": values[f] for f in rules.OUTCOME_FIELDS}
    params["o_id"] = attempt.id
    return params


def _insert_created(conn: Connection, created: Sequence[Attempt], moment: datetime) -> None:
    """Campaign records of created outcomes not recorded yet (``rules.new_records``)."""
    fresh = rules.new_records(created, _recorded_ids(conn, [a.key for a in created]))
    if fresh:
        conn.execute(_CAMPAIGN_FROM_INTENT, [_campaign_params(a, moment) for a in fresh])


def _recorded_ids(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in chunks(keys):
        rows = conn.execute(_RECORDED_IDS, {"keys": chunk})
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
    created: set[str] = set()
    doubtful: set[str] = set()
    for chunk in chunks(keys):
        created.update(conn.execute(_CREATED_KEYS, {"keys": chunk}).scalars())
        doubtful.update(conn.execute(_OPEN_KEYS, {"keys": chunk}).scalars())
    rules.refuse_duplicate_sends(intents, created, doubtful)


# The statements of every apply step, built once: building them per call (an IN list of
# new bound parameters, then a cache key over it) was a third of the step's CPU.
_CREATED_KEYS = select(campaigns.c.key).where(
    campaigns.c.key.in_(bindparam("keys", expanding=True))
)
_OPEN_KEYS = select(attempts.c.key).where(
    attempts.c.key.in_(bindparam("keys", expanding=True)), attempts.c.status.in_(_UNRESOLVED)
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
    .values({f: bindparam(f"o_{f}", type_=attempts.c[f].type) for f in rules.OUTCOME_FIELDS})
)
