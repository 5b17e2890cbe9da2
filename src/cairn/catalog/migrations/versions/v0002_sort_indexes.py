"""Ordering by a metric or a tag reads an index in order, across models or within one.

``version_metrics`` and ``version_tags`` get ``model_id`` (the version's model, filled in
here for existing rows) and indexes ending in ``version_id`` (the keyset tiebreaker):
``(key, value, version_id)`` and ``(model_id, key, value, version_id)``.

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

_TABLES = ("version_metrics", "version_tags")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("model_id", sa.Integer, nullable=True))
        op.execute(
            f"UPDATE {table} SET model_id = "  # noqa: S608 - constant table names
            f"(SELECT versions.model_id FROM versions WHERE versions.id = {table}.version_id)"
        )
        op.drop_index(f"ix_{table}_key_value", table_name=table)
        op.create_index(f"ix_{table}_key_value_version_id", table, ["key", "value", "version_id"])
        op.create_index(
            f"ix_{table}_model_id_key_value_version_id",
            table,
            ["model_id", "key", "value", "version_id"],
        )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"ix_{table}_model_id_key_value_version_id", table_name=table)
        op.drop_index(f"ix_{table}_key_value_version_id", table_name=table)
        op.create_index(f"ix_{table}_key_value", table, ["key", "value"])
        with op.batch_alter_table(table) as batch:
            batch.drop_column("model_id")
