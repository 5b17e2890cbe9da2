"""Alembic environment: cairn runs migrations programmatically on a connection it passes in
(``config.attributes["connection"]``), inside the caller's transaction."""

from __future__ import annotations

from alembic import context

from cairn.catalog.schema import METADATA

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
