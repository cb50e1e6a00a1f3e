"""Which journal entries a snapshot shows, and the snapshot built from a state's rows.

Pure rules over rows, shared by every reader (SQLite's and a server database's) and by
the test fake (``snapshot_of`` its values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from reconciler.state.base import (
    UNRESOLVED,
    Attempt,
    AttemptStatus,
    RecordedCampaign,
    StateSnapshot,
)
from reconciler.state.rows import attempt_from_row, campaign_from_row

# The columns of ``campaigns`` a snapshot reads: no bodies (the planner compares
# fingerprints; ``bodies`` reads the few shown).
SNAPSHOT_CAMPAIGN_COLUMNS = (
    "key",
    "campaign_id",
    "name",
    "fingerprint",
    "source_fingerprint",
    "ctx_id",
    "created_by",
    "created_at",
)

# Entries that settle a key: after one of them, earlier doubts and failures are history.
_SETTLING_KINDS = frozenset({"import", "forget", "move"})
_SETTLING_STATUSES = frozenset({AttemptStatus.CREATED, AttemptStatus.RESOLVED})
# Notes about other entries (``recover`` repeats a merged outcome): never a doubt themselves.
_NOTE_KINDS = frozenset({"recover"})


@dataclass(frozen=True)
class JournalHead:
    """The ids of the attempts a snapshot shows, per key."""

    in_doubt: dict[str, int]
    last_failures: dict[str, int]


def journal_head(rows: Iterable[tuple[int, str, str, str]], created_keys: Set[str]) -> JournalHead:
    """Pick, per key, the latest unresolved attempt not superseded, and the latest failure.

    ``rows`` are (id, key, kind, status) in id order. A failure is shown only for keys
    that are neither created nor in doubt: those plan as ``create`` again.
    """
    unresolved: dict[str, int] = {}
    failed: dict[str, int] = {}
    for attempt_id, key, kind, status in rows:
        state = AttemptStatus(status)
        if kind in _NOTE_KINDS:
            continue
        if kind in _SETTLING_KINDS or state in _SETTLING_STATUSES:
            unresolved.pop(key, None)
            failed.pop(key, None)
        elif state in UNRESOLVED:
            unresolved[key] = attempt_id
        elif state is AttemptStatus.FAILED:
            failed[key] = attempt_id
    failures = {
        key: attempt_id
        for key, attempt_id in failed.items()
        if key not in created_keys and key not in unresolved
    }
    return JournalHead(in_doubt=unresolved, last_failures=failures)


def build_snapshot(
    environment: str,
    meta: Mapping[Any, Any],
    campaign_rows: Iterable[Mapping[Any, Any]],
    head_rows: Iterable[Sequence[Any]],
    attempt_rows: Callable[[Sequence[int]], Iterable[Mapping[Any, Any]]],
) -> StateSnapshot:
    """The snapshot of a bound state from its rows, read in one transaction.

    ``head_rows`` are (id, key, kind, status) in id order; ``attempt_rows(ids)`` reads
    the full rows of the few attempts the snapshot shows.
    """
    records = {r.key: r for r in map(campaign_from_row, campaign_rows)}

    def attempts(ids: Sequence[int]) -> Iterable[Attempt]:
        return map(attempt_from_row, attempt_rows(ids))

    return snapshot_of(environment, meta, records, head_rows, attempts)


def snapshot_of(
    environment: str,
    meta: Mapping[Any, Any],
    records: Mapping[str, RecordedCampaign],
    heads: Iterable[Sequence[Any]],
    attempts: Callable[[Sequence[int]], Iterable[Attempt]],
) -> StateSnapshot:
    """The snapshot of a bound state: ``meta`` its lineage, serial and API; ``records``
    without bodies; ``heads`` as ``build_snapshot``'s; ``attempts(ids)`` the shown ones."""
    head = journal_head(((r[0], r[1], r[2], r[3]) for r in heads), records.keys())
    wanted = sorted(set(head.in_doubt.values()) | set(head.last_failures.values()))
    by_id = {a.id: a for a in attempts(wanted)} if wanted else {}
    return StateSnapshot(
        environment=environment,
        exists=True,
        lineage=meta["lineage"],
        serial=meta["serial"],
        api_url=meta["api_url"],
        campaigns=records,
        in_doubt={k: by_id[i] for k, i in head.in_doubt.items()},
        last_failures={k: by_id[i] for k, i in head.last_failures.items()},
    )
