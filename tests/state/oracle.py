"""A SQLAlchemy reader of a SQLite state, kept only as a test oracle.

The product reads SQLite with the stdlib ``sqlite3`` (``SqliteReader``); this reads the
same file through SQLAlchemy's own type handling (DateTime, JSON), so that a test can
prove both see the same records, attempts, times and bodies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, select
from sqlalchemy.pool import NullPool

from reconciler.state.base import Attempt, RecordedCampaign, StateSnapshot
from reconciler.state.rows import attempt_from_row, campaign_from_row
from reconciler.state.snapshot import SNAPSHOT_CAMPAIGN_COLUMNS, build_snapshot
from reconciler.state.tables import attempts, campaigns, meta


@contextmanager
def _reading(path: Path) -> Iterator[Connection]:
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=NullPool)
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    finally:
        engine.dispose()


def oracle_snapshot(path: Path, environment: str) -> StateSnapshot:
    """The snapshot of a bound, current SQLite state, read through SQLAlchemy."""
    with _reading(path) as conn:
        row = conn.execute(select(meta)).mappings().one()
        columns = [campaigns.c[name] for name in SNAPSHOT_CAMPAIGN_COLUMNS]
        heads = select(attempts.c.id, attempts.c.key, attempts.c.kind, attempts.c.status)
        return build_snapshot(
            environment,
            row,
            conn.execute(select(*columns)).mappings(),
            conn.execute(heads.order_by(attempts.c.id)).all(),
            lambda ids: conn.execute(select(attempts).where(attempts.c.id.in_(ids))).mappings(),
        )


def oracle_bodies(path: Path) -> dict[str, RecordedCampaign]:
    """Every record with its body."""
    with _reading(path) as conn:
        rows = conn.execute(select(campaigns)).mappings()
        return {r.key: r for r in map(campaign_from_row, rows)}


def oracle_journal(path: Path) -> Sequence[Attempt]:
    """Every journal entry, oldest first."""
    with _reading(path) as conn:
        rows = conn.execute(select(attempts).order_by(attempts.c.id)).mappings()
        return [attempt_from_row(r) for r in rows]
