"""The state's schema revisions and what a reader may do with each (no SQLAlchemy, no alembic).

The revisions are named by the migration files (``migrations/versions/r0002_….py`` is
revision ``0002``), so a new migration needs no constant updated anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path

from reconciler.errors import StateError

_VERSIONS = Path(__file__).parent / "migrations" / "versions"


class SchemaStatus(StrEnum):
    MISSING = "missing"  # no state tables at all: nothing was ever written
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"  # written by a newer reconciler


@cache
def known_revisions() -> tuple[str, ...]:
    """Every revision this version knows, oldest first."""
    return tuple(sorted(p.name[1:5] for p in _VERSIONS.glob("r[0-9][0-9][0-9][0-9]_*.py")))


def head_revision() -> str:
    """The schema revision this version of reconciler writes."""
    return known_revisions()[-1]


def status_of(has_meta: bool, revisions: Sequence[str]) -> tuple[SchemaStatus, str | None]:
    """Where a schema stands, from whether it has ``meta`` and its ``alembic_version`` rows.

    The caller reads the tables before the revision: on PostgreSQL a state created between
    the two reads then reads as missing or current, never as "older, revision None".
    """
    if len(revisions) > 1:
        raise StateError(f"the state's schema has several revisions ({', '.join(revisions)})")
    revision = str(revisions[0]) if revisions else None
    if revision is None:
        return (SchemaStatus.OLDER if has_meta else SchemaStatus.MISSING), None
    if revision == head_revision():
        return SchemaStatus.CURRENT, revision
    known = revision in known_revisions()
    return (SchemaStatus.OLDER if known else SchemaStatus.NEWER), revision


def refuse_unusable(
    display: str, environment: str, status: SchemaStatus, revision: str | None
) -> None:
    """Raise the StateError a reader gets for a schema it cannot read."""
    if status is SchemaStatus.NEWER:
        raise StateError(
            f"state {display} was written by a newer version of reconciler "
            f"(schema revision {revision}; this version knows up to {head_revision()})",
            hint="upgrade reconciler; an older version must not write this state",
        )
    if status is SchemaStatus.OLDER:
        raise StateError(
            f"state {display} has an older schema (revision {revision}); "
            "read-only commands never migrate it",
            hint=f"run `reconciler state upgrade --env {environment}` "
            "(apply and the other writers also upgrade it)",
        )


def refuse_schemaless(display: str) -> None:
    """Raise for a state file that exists but holds no tables (truncated or replaced).

    Read as "no state", it would plan every campaign as new and send them all again.
    """
    raise StateError(
        f"state {display} exists but holds no reconciler tables (empty, truncated or "
        "replaced); nothing was planned or sent",
        hint="restore it from a backup (`state upgrade` keeps a .bak copy); only if nothing "
        "was ever created in this environment, delete the file and run again",
    )
