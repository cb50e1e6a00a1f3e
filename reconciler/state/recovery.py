"""``state recover``: merge the fallback journal into the state, then remove it."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from reconciler.state import rules
from reconciler.state.base import Attempt, AttemptStatus, RecoverResult
from reconciler.state.fallback import fsync_dir, read_fallback
from reconciler.state.rows import attempt_values, now
from reconciler.state.tables import attempts
from reconciler.state.writes import insert_attempt, insert_campaign_from_attempt

if TYPE_CHECKING:
    from reconciler.state.writer import SqlStateWriter


def merge_fallback(store: SqlStateWriter, *, actor: str) -> RecoverResult:
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
    with contextlib.suppress(OSError):  # the merge is committed before the file goes
        fsync_dir(path.parent)
    return RecoverResult(contents.attempts, contents.torn)


def _merge_one(conn: Connection, attempt: Attempt, actor: str) -> None:
    query = select(attempts.c.key, attempts.c.status).where(attempts.c.id == attempt.id)
    row = conn.execute(query).first()
    action = rules.merge_action((row[0], row[1]) if row is not None else None, attempt)
    if action == "update":
        values = attempt_values(rules.with_outcome(attempt, attempt, now()))
        outcome = {f: values[f] for f in rules.OUTCOME_FIELDS}
        conn.execute(update(attempts).where(attempts.c.id == attempt.id).values(outcome))
    elif action == "insert":
        insert_attempt(conn, attempt)
    if attempt.campaign_id and attempt.status is AttemptStatus.CREATED:
        insert_campaign_from_attempt(conn, attempt)
    insert_attempt(conn, rules.recover_event(attempt, actor, now()))
