"""Journal entries remember their apply run; the journal is read per key.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``attempts.run_id`` (existing rows get '') and an index on (key, id)."""
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("run_id", sa.String(100), nullable=False, server_default=""))
        batch.create_index("ix_attempts_key_id", ["key", "id"])


def downgrade() -> None:
    """Remove what ``upgrade`` added."""
    with op.batch_alter_table("attempts") as batch:
        batch.drop_index("ix_attempts_key_id")
        batch.drop_column("run_id")
