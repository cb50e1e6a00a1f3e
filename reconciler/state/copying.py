"""``state migrate``: copy a state between stores, lineage and serial included."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, text

from reconciler.errors import StateError
from reconciler.state.tables import attempts, campaigns, meta

_COPIED = (meta, campaigns, attempts)  # lock holders belong to their store, not the state


@dataclass(frozen=True)
class CopyResult:
    """What was copied."""

    environment: str
    lineage: str
    serial: int
    campaigns: int
    attempts: int


def read_all(conn: Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of the state's tables (one read transaction is the caller's)."""
    return {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in _COPIED}


def refuse_non_empty(conn: Connection, display: str) -> None:
    """A copy never merges into or overwrites another state."""
    for table in _COPIED:
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise StateError(
                f"the target {display} already holds a state ({table.name} is not empty)",
                hint="migrate into a new, empty database or file",
            )


def write_all(conn: Connection, rows: dict[str, list[dict[str, object]]]) -> CopyResult:
    """Insert the rows read by ``read_all`` (ids kept) into an empty state."""
    for table in _COPIED:
        if rows[table.name]:
            conn.execute(insert(table), rows[table.name])
    if conn.dialect.name == "postgresql" and rows["attempts"]:
        # Explicit ids bypass the sequence: move it past them.
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('attempts', 'id'),"
                " (SELECT max(id) FROM attempts))"
            )
        )
    head = rows["meta"][0]
    return CopyResult(
        environment=str(head["environment"]),
        lineage=str(head["lineage"]),
        serial=int(str(head["serial"])),
        campaigns=len(rows["campaigns"]),
        attempts=len(rows["attempts"]),
    )
