"""Alembic environment for the state schema; always run programmatically.

``reconciler.state.schema`` passes an open connection in ``config.attributes``, so
migrations share the caller's transaction and never open their own engine.
"""

from __future__ import annotations

from alembic import context

from reconciler.state.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("the state migrations run only through reconciler (state upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: alembic's batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
