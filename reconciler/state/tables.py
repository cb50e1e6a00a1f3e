"""The state's tables, as SQLAlchemy Core metadata (the schema alembic migrates to).

One database (or SQLite file) holds the state of ONE environment: ``meta`` has a single
row binding it to its environment and API, with the lineage and the serial.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Stable constraint names, so alembic's batch mode on SQLite and comparisons agree.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Timestamp = DateTime(timezone=True)

meta = Table(
    "meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("lineage", String(36), nullable=False),
    Column("serial", Integer, nullable=False),
    Column("environment", String(200), nullable=False),
    Column("api_url", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("key", String(500), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("source_fingerprint", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("ctx_id", String(200), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(500), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("source_fingerprint", String(64), nullable=False),
    Column("body", JSON, nullable=True),
    Column("idempotency_key", String(200), nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=True),
    Column("http_status", Integer, nullable=True),
    Column("campaign_id", String(200), nullable=True),
    Column("ctx_id", String(200), nullable=True),
    Column("error", Text, nullable=True),
    Column("actor", String(200), nullable=False),
    # Added by revision 0002: which apply run made the attempt.
    Column("run_id", String(100), nullable=False, server_default=""),
    Index(None, "key", "id"),
)

locks = Table(
    "locks",
    metadata,
    Column("lock_id", String(36), primary_key=True),
    Column("environment", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("host", String(255), nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("user", String(200), nullable=False),
    Column("ci_run", String(500), nullable=False),
    Column("command", Text, nullable=False),
    # The database session holding the advisory lock (PostgreSQL), for ``unlock``.
    Column("backend_pid", Integer, nullable=True),
)
