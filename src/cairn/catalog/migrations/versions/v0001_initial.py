"""The first catalog schema: models, versions, search key/values, aliases, events.

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


def _digest() -> sa.types.TypeEngine[str]:
    return sa.String(80).with_variant(sa.String(80, collation="C"), "postgresql")


def _version_fk() -> sa.Column[int]:
    return sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE", name=None),
        primary_key=True,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(255)),
        sa.Column("tags", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.Column("latest_number", sa.Integer),
        sa.Column("version_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_models"),
        sa.UniqueConstraint("name", name="uq_models_name"),
    )
    op.create_index("ix_models_created", "models", ["created"])
    op.create_table(
        "model_tags",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "key", name="pk_model_tags"),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], ondelete="CASCADE", name="fk_model_tags_model_id_models"
        ),
    )
    op.create_index("ix_model_tags_key_value", "model_tags", ["key", "value"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("digest", _digest(), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("file_count", sa.Integer, nullable=False),
        sa.Column("flavor", sa.String(64)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_changed", sa.BigInteger),
        sa.Column("params", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("metrics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("tags", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("git", sa.JSON(none_as_null=True)),
        sa.Column("parents", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("datasets", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("meta", sa.JSON(none_as_null=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.UniqueConstraint("model_id", "number", name="uq_versions_model_id_number"),
        sa.CheckConstraint("status IN ('ready', 'archived', 'deleted')", name="ck_versions_status"),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], ondelete="CASCADE", name="fk_versions_model_id_models"
        ),
    )
    op.create_index("ix_versions_digest", "versions", ["digest"])
    op.create_index("ix_versions_created_id", "versions", ["created", "id"])
    op.create_index("ix_versions_model_id_created_id", "versions", ["model_id", "created", "id"])
    op.create_index("ix_versions_status_status_changed", "versions", ["status", "status_changed"])

    def version_child(name: str, *columns: sa.Column[object], pk: tuple[str, ...]) -> None:
        op.create_table(
            name,
            sa.Column("version_id", sa.Integer, nullable=False),
            *columns,
            sa.PrimaryKeyConstraint("version_id", *pk, name=f"pk_{name}"),
            sa.ForeignKeyConstraint(
                ["version_id"],
                ["versions.id"],
                ondelete="CASCADE",
                name=f"fk_{name}_version_id_versions",
            ),
        )

    version_child(
        "version_params",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value_text", sa.Text, nullable=False),
        sa.Column("value_num", sa.Double),
        pk=("key",),
    )
    op.create_index("ix_version_params_key_value_num", "version_params", ["key", "value_num"])
    op.create_index("ix_version_params_key_value_text", "version_params", ["key", "value_text"])
    version_child(
        "version_metrics",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        pk=("key",),
    )
    op.create_index("ix_version_metrics_key_value", "version_metrics", ["key", "value"])
    version_child(
        "version_tags",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        pk=("key",),
    )
    op.create_index("ix_version_tags_key_value", "version_tags", ["key", "value"])
    version_child(
        "version_parents",
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("parent_model", sa.String(128), nullable=False),
        sa.Column("parent_number", sa.Integer, nullable=False),
        pk=("position",),
    )
    op.create_index(
        "ix_version_parents_parent_model_parent_number",
        "version_parents",
        ["parent_model", "parent_number"],
    )
    version_child(
        "version_datasets",
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("digest", sa.String(255)),
        pk=("position",),
    )
    op.create_index("ix_version_datasets_digest", "version_datasets", ["digest"])

    op.create_table(
        "aliases",
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "alias", name="pk_aliases"),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], ondelete="CASCADE", name="fk_aliases_model_id_models"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            ondelete="RESTRICT",
            name="fk_aliases_version_id_versions",
        ),
    )
    op.create_index("ix_aliases_version_id", "aliases", ["version_id"])
    op.create_table(
        "alias_moves",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("from_version", sa.Integer),
        sa.Column("to_version", sa.Integer),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("time", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alias_moves"),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], ondelete="CASCADE", name="fk_alias_moves_model_id_models"
        ),
    )
    op.create_index(
        "ix_alias_moves_model_id_alias_seq", "alias_moves", ["model_id", "alias", "seq"]
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("time", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
    )
    op.create_index("ix_events_action", "events", ["action"])
    op.create_index("ix_events_subject", "events", ["subject"])
    chain_head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chain_head"),
    )
    op.bulk_insert(chain_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    for table in (
        "chain_head",
        "events",
        "alias_moves",
        "aliases",
        "version_datasets",
        "version_parents",
        "version_tags",
        "version_metrics",
        "version_params",
        "versions",
        "model_tags",
        "models",
    ):
        op.drop_table(table)
