"""What a store's writes refuse, and the journal entries they add: pure rules over values.

A store reads what a rule needs inside its write transaction and calls it: the SQL store
(``writes.py``, ``recovery.py``) with rows it selected, the test fake with its dicts, so
both refuse the same writes with the same errors and journal the same entries. The rules
of what a snapshot shows are in ``snapshot.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence, Set
from datetime import datetime
from typing import Any, Literal

from reconciler.errors import StateError
from reconciler.state.base import UNRESOLVED, Attempt, AttemptStatus, RecordedCampaign
from reconciler.state.rows import utc
from reconciler.words import count

# The fields an outcome sets on its recorded intent; the rest stays the intent's.
OUTCOME_FIELDS = ("status", "finished_at", "http_status", "campaign_id", "ctx_id", "error")


def refuse_duplicate_sends(
    intents: Sequence[Attempt], created: Set[str], doubtful: Set[str]
) -> None:
    """Never an intent for a key created or in doubt (the storage layer's own guard).

    ``created``/``doubtful``: the keys of ``intents`` that are recorded as campaigns, and
    those that have an unresolved attempt.
    """
    if len({a.key for a in intents}) != len(intents):
        raise StateError("an intent batch names the same key twice (a bug)")
    if created or doubtful:
        problems = [f"{k} (already created)" for k in sorted(created)]
        problems += [f"{k} (in doubt)" for k in sorted(set(doubtful) - set(created))]
        raise StateError(
            "refusing to send again: " + ", ".join(problems),
            hint="the state changed since the plan was made; plan again",
        )


def check_outcomes(outcomes: Sequence[Attempt], intents: Mapping[int, tuple[str, str]]) -> None:
    """Each outcome matches a recorded intent: ``intents`` maps id -> (key, fingerprint)."""
    if len({a.id for a in outcomes}) != len(outcomes):
        raise StateError("an outcome batch names the same attempt twice (a bug)")
    for attempt in outcomes:
        found = intents.get(attempt.id)
        if found is None or found[0] != attempt.key:
            raise StateError(f"no recorded intent {attempt.id} for {attempt.key!r}")
        if found[1] != attempt.fingerprint:
            raise StateError(f"the outcome of {attempt.key!r} names another fingerprint (a bug)")


def with_outcome(intent: Attempt, outcome: Attempt, moment: datetime) -> Attempt:
    """The recorded intent with the outcome's fields (finished now if it has no time)."""
    values: dict[str, Any] = {f: getattr(outcome, f) for f in OUTCOME_FIELDS}
    values["finished_at"] = values["finished_at"] or moment
    return dataclasses.replace(intent, **values)


def new_records(created: Sequence[Attempt], recorded: Mapping[str, str]) -> list[Attempt]:
    """The created outcomes whose campaign is not recorded yet (``recorded``: key -> id).

    A created outcome needs a campaign id; a record of its key with another campaign id
    is a conflict, never overwritten; the same record again is harmless.
    """
    for attempt in created:
        if not attempt.campaign_id:
            raise StateError(f"a created outcome for {attempt.key!r} has no campaign id (a bug)")
    fresh: list[Attempt] = []
    for attempt in created:
        existing = recorded.get(attempt.key)
        if existing is None:
            fresh.append(attempt)
        elif existing != attempt.campaign_id:
            raise StateError(
                f"{attempt.key!r} is already recorded as campaign {existing}, "
                f"not {attempt.campaign_id}",
                hint="resolve it with `state forget` or `state import`",
            )
    return fresh


def campaign_of(intent: Attempt, outcome: Attempt, moment: datetime) -> RecordedCampaign:
    """The record a created outcome makes: what was sent (the intent), and the answer."""
    assert outcome.campaign_id  # new_records refused a created outcome without one
    body = dict(intent.body or {})
    return RecordedCampaign(
        key=intent.key,
        campaign_id=outcome.campaign_id,
        name=str(body.get("name", "")),
        fingerprint=intent.fingerprint,
        source_fingerprint=intent.source_fingerprint,
        body=body,
        ctx_id=outcome.ctx_id,
        created_by=intent.actor,
        created_at=utc(outcome.finished_at) if outcome.finished_at else moment,
    )


def settled(attempt: Attempt, note: str, moment: datetime) -> Attempt:
    """An unresolved attempt resolved by a person: its own error (what the doubt was judged
    by) is kept and the note appended; ``started_at`` stays when it was sent."""
    error = f"{attempt.error}; {note}" if attempt.error else note
    return dataclasses.replace(
        attempt, status=AttemptStatus.RESOLVED, finished_at=moment, error=error
    )


# What a journal entry about a campaign record copies from it.
_FROM_RECORD = ("body", "fingerprint", "source_fingerprint", "campaign_id")


def journal_event(
    key: str, kind: str, status: AttemptStatus, moment: datetime, actor: str, **details: Any
) -> Attempt:
    """A journal entry that is not a create (import, forget, move, recover); id 0.

    ``details``: its other ``Attempt`` fields; no fingerprints, body nor idempotency key
    unless given (``_about`` a record).
    """
    values: dict[str, Any] = {"fingerprint": "", "source_fingerprint": "", "body": None}
    values |= {"idempotency_key": "", "started_at": moment, "finished_at": moment, **details}
    return Attempt(id=0, key=key, kind=kind, status=status, actor=actor, **values)


def _about(record: RecordedCampaign | None) -> dict[str, Any]:
    """The fields of an entry about ``record`` (none without one)."""
    return {f: getattr(record, f) for f in _FROM_RECORD} if record else {}


def refuse_import(key: str, existing_id: str | None) -> None:
    """``state import`` is refused for a key already recorded."""
    if existing_id is not None:
        raise StateError(
            f"{key!r} is already recorded as campaign {existing_id}",
            hint="`state forget` it first if that record is wrong",
        )


def import_note(record: RecordedCampaign, existing_id: str | None) -> str:
    """The note ``state import`` settles the key's doubts by (``refuse_import`` first)."""
    refuse_import(record.key, existing_id)
    return f"settled by state import ({record.campaign_id})"


def import_event(record: RecordedCampaign, moment: datetime) -> Attempt:
    """``state import``'s entry: the record, by its creator."""
    details = _about(record) | {"ctx_id": record.ctx_id}
    return journal_event(
        record.key, "import", AttemptStatus.CREATED, moment, record.created_by, **details
    )


FORGET_NOTE = "settled by state forget"


def refuse_forget(key: str, recorded: bool, in_doubt: bool) -> None:
    """``state forget`` is refused when there is neither a record nor a doubt."""
    if not (recorded or in_doubt):
        raise StateError(f"the state has no record and no in-doubt attempt for {key!r}")


def forget_event(
    key: str, actor: str, record: RecordedCampaign | None, settled_count: int, moment: datetime
) -> Attempt:
    """``state forget``'s entry (``refuse_forget`` first)."""
    refuse_forget(key, record is not None, settled_count > 0)
    error = f"forgotten (settled {count(settled_count, 'in-doubt attempt')})"
    return journal_event(
        key, "forget", AttemptStatus.RESOLVED, moment, actor, error=error, **_about(record)
    )


def move_events(
    old_key: str, new_key: str, recorded: Set[str], actor: str, moment: datetime
) -> list[Attempt]:
    """The entries of a re-key; refused unless ``old_key`` is recorded and ``new_key`` not."""
    if old_key not in recorded or new_key in recorded:
        raise StateError(
            f"cannot move the record {old_key!r} to {new_key!r}: "
            + ("the target is already recorded" if new_key in recorded else "no such record")
        )
    notes = ((old_key, f"moved to {new_key}"), (new_key, f"moved from {old_key}"))
    return [
        journal_event(key, "move", AttemptStatus.RESOLVED, moment, actor, error=note)
        for key, note in notes
    ]


def merge_action(
    stored: tuple[str, str] | None, attempt: Attempt
) -> Literal["update", "keep", "insert"]:
    """How ``state recover`` merges an outcome of the fallback journal.

    ``stored``: (key, status) of the attempt with its id, if any. Only an outcome nobody
    recorded yet is overwritten; a recorded one stays; an unknown attempt is added.
    """
    if stored is None or stored[0] != attempt.key:
        return "insert"
    return "update" if AttemptStatus(stored[1]) in UNRESOLVED else "keep"


def recover_event(attempt: Attempt, actor: str, moment: datetime) -> Attempt:
    """``state recover``'s note of a merged outcome (never a doubt itself)."""
    error = f"merged from the fallback journal (attempt {attempt.id})"
    outcome = {"campaign_id": attempt.campaign_id, "ctx_id": attempt.ctx_id, "error": error}
    return journal_event(attempt.key, "recover", attempt.status, moment, actor, **outcome)
