"""``state recover``: merge the fallback journal into the state, then remove it."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from reconciler.state.base import UNRESOLVED, Attempt
from reconciler.state.fallback import read_fallback
from reconciler.state.rows import attempt_values, now
from reconciler.state.tables import attempts
from reconciler.state.writes import insert_attempt, insert_campaign_from_attempt, journal_entry

if TYPE_CHECKING:
    from reconciler.state.store import SqlStateStore

_OUTCOME_FIELDS = ("status", "finished_at", "http_status", "campaign_id", "ctx_id", "error")


@dataclass(frozen=True)
class RecoverResult:
    """What ``recover`` merged; ``torn`` is an unfinished last line that was dropped
    (its attempt stays pending, i.e. in doubt: never sent again on its own)."""

    merged: tuple[Attempt, ...]
    torn: bool


def merge_fallback(store: SqlStateStore, *, actor: str) -> RecoverResult:
    """Merge every entry in one transaction; the file goes only after the commit."""
    path = store.location.journal_path
    if not path.exists():
        return RecoverResult((), torn=False)
    contents = read_fallback(path)

    def write(conn: Connection) -> None:
        for attempt in contents.attempts:
            _merge_one(conn, attempt, actor)

    if contents.attempts:
        store.run_write(write)
    path.unlink()
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return RecoverResult(contents.attempts, contents.torn)


def _merge_one(conn: Connection, attempt: Attempt, actor: str) -> None:
    stored = conn.execute(select(attempts).where(attempts.c.id == attempt.id)).mappings().first()
    values = attempt_values(attempt)
    values["finished_at"] = values["finished_at"] or now()
    if stored is not None and stored["key"] == attempt.key:
        # Only an outcome nobody recorded yet is overwritten; a recorded one stays.
        if stored["status"] in {str(s) for s in UNRESOLVED}:
            outcome = {f: values[f] for f in _OUTCOME_FIELDS}
            conn.execute(update(attempts).where(attempts.c.id == attempt.id).values(outcome))
    else:
        insert_attempt(conn, attempt)
    if attempt.campaign_id and str(attempt.status) == "created":
        insert_campaign_from_attempt(conn, attempt)
    journal_entry(
        conn,
        attempt.key,
        "recover",
        attempt.status,
        actor=actor,
        campaign_id=attempt.campaign_id,
        ctx_id=attempt.ctx_id,
        error=f"merged from the fallback journal (attempt {attempt.id})",
    )
