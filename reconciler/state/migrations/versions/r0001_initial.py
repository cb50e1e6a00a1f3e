"""The first state schema: meta, campaigns, the attempts journal, lock holders.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table of schema version 1."""
    op.create_table(
        "meta",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("lineage", sa.String(36), nullable=False),
        sa.Column("serial", sa.Integer, nullable=False),
        sa.Column("environment", sa.String(200), nullable=False),
        sa.Column("api_url", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_meta_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_meta"),
    )
    op.create_table(
        "campaigns",
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("campaign_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source_fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("ctx_id", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_campaigns"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source_fingerprint", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("campaign_id", sa.String(200), nullable=True),
        sa.Column("ctx_id", sa.String(200), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
    )
    op.create_table(
        "locks",
        sa.Column("lock_id", sa.String(36), nullable=False),
        sa.Column("environment", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("ci_run", sa.String(500), nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("backend_pid", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("lock_id", name="pk_locks"),
    )


def downgrade() -> None:
    """Drop everything (never run by reconciler; kept for completeness)."""
    for table in ("locks", "attempts", "campaigns", "meta"):
        op.drop_table(table)
