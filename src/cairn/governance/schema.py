"""The governance tables: users, tokens, roles, webhooks and their delivery log.

They live in the catalog's database with the prefix ``gov_``; the catalog's Alembic history
creates them (revision 0003), so a registry's tables all come from one migration chain.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cairn.errors import CatalogError

__all__ = [
    "deliveries",
    "ensure_tables",
    "metadata",
    "now_ms",
    "roles",
    "tokens",
    "users",
    "webhooks",
]

metadata = sa.MetaData()

users = sa.Table(
    "gov_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text),
    sa.Column("admin", sa.Boolean, nullable=False, default=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created", sa.BigInteger, nullable=False),
)

tokens = sa.Table(
    "gov_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("gov_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hint", sa.String(16), nullable=False),
    sa.Column("scopes", sa.String(64), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.BigInteger),
    sa.Column("revoked", sa.BigInteger),
    sa.Column("last_used", sa.BigInteger),
)

roles = sa.Table(
    "gov_roles",
    metadata,
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("gov_users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("model", sa.String(128), primary_key=True),
    sa.Column("role", sa.Integer, nullable=False),
)

webhooks = sa.Table(
    "gov_webhooks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("actions", sa.Text, nullable=False),  # space-separated filters; "" = all
    sa.Column("model", sa.String(128)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("cursor", sa.BigInteger, nullable=False),  # seq of the last event handled
    sa.Column("attempts", sa.Integer, nullable=False, default=0),  # for the next event
    sa.Column("retry_at", sa.BigInteger, nullable=False, default=0),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", sa.BigInteger, nullable=False, default=0),
)

deliveries = sa.Table(
    "gov_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "webhook_id",
        sa.Integer,
        sa.ForeignKey("gov_webhooks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("event_seq", sa.BigInteger, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("time", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Integer, nullable=False),
)


def now_ms() -> int:
    return int(time.time() * 1000)


def ensure_tables(engine: Engine) -> None:
    """Check the governance tables exist (opening the catalog migrates them into place)."""
    inspector = sa.inspect(engine)
    missing = [t.name for t in metadata.sorted_tables if not inspector.has_table(t.name)]
    if missing:
        raise CatalogError(
            f"the catalog has no {', '.join(missing)} table",
            "open the registry with this cairn once (cairn init) to upgrade its schema",
        )
