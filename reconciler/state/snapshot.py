"""Which journal entries a snapshot shows: pure rules over (id, key, kind, status) rows."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from reconciler.state.base import UNRESOLVED, AttemptStatus

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
