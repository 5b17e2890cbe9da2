"""Users, their tokens and their roles per model, in the catalog's database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection, Engine

from cairn.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from cairn.governance.passwords import hash_password, verify_password
from cairn.governance.roles import SCOPES, Principal, Role
from cairn.governance.schema import ensure_tables, now_ms, roles, tokens, users
from cairn.governance.tokens import hash_token, looks_like_token, new_token
from cairn.refs import check_name

__all__ = ["Accounts", "TokenInfo", "UserInfo"]

_TOUCH_MS = 60_000
_CACHE_MS = 2_000  # how long another server may keep honouring a token revoked elsewhere


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


class UserInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    admin: bool
    disabled: bool = False
    created: datetime
    roles: dict[str, str] = {}


class TokenInfo(BaseModel):
    """A token as listed: never the token itself, only its last characters."""

    model_config = ConfigDict(frozen=True)

    id: int
    user: str
    name: str
    hint: str
    scopes: list[str]
    created: datetime
    expires: datetime | None = None
    revoked: datetime | None = None
    last_used: datetime | None = None


class Accounts:
    """Users, tokens and roles. ``secret`` keys the token hashes (see ``tokens.py``)."""

    def __init__(self, engine: Engine, secret: bytes) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(cairn_write=True)
        self._secret = secret
        # token hash -> (valid until, principal); cleared by every change made here
        self._cache: dict[str, tuple[int, Principal]] = {}
        ensure_tables(engine)

    def forget_cached(self) -> None:
        self._cache.clear()

    # -- users -------------------------------------------------------------------------------

    def _user_id(self, conn: Connection, name: str) -> int:
        found = conn.execute(sa.select(users.c.id).where(users.c.name == name)).scalar()
        if found is None:
            raise NotFound(f"no user {name!r}", "list users with: cairn admin users")
        return int(found)

    def create_user(self, name: str, password: str | None, *, admin: bool = False) -> UserInfo:
        check_name(name)
        if password is not None and len(password) < 8:
            raise InvalidInput("the password is shorter than 8 characters", "pick a longer one")
        with self._write_engine.begin() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise AlreadyExists(f"user {name!r} exists", "pick another name")
            conn.execute(
                users.insert().values(
                    name=name,
                    password_hash=None if password is None else hash_password(password),
                    admin=admin,
                    disabled=False,
                    created=now_ms(),
                )
            )
        return self.get_user(name)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise InvalidInput("the password is shorter than 8 characters", "pick a longer one")
        with self._write_engine.begin() as conn:
            self._user_id(conn, name)
            conn.execute(
                users.update()
                .where(users.c.name == name)
                .values(password_hash=hash_password(password))
            )

    def set_disabled(self, name: str, disabled: bool) -> None:
        self.forget_cached()
        with self._write_engine.begin() as conn:
            self._user_id(conn, name)
            conn.execute(users.update().where(users.c.name == name).values(disabled=disabled))

    def get_user(self, name: str) -> UserInfo:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
            if row is None:
                raise NotFound(f"no user {name!r}", "list users with: cairn admin users")
            granted = conn.execute(
                sa.select(roles.c.model, roles.c.role).where(roles.c.user_id == row.id)
            ).all()
        return UserInfo(
            name=row.name,
            admin=bool(row.admin),
            disabled=bool(row.disabled),
            created=_time(row.created) or datetime.now(UTC),
            roles={model: Role(role).name for model, role in granted},
        )

    def list_users(self) -> list[UserInfo]:
        with self.engine.connect() as conn:
            names = list(conn.execute(sa.select(users.c.name).order_by(users.c.name)).scalars())
        return [self.get_user(n) for n in names]

    def has_admin(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(users.c.id).where(users.c.admin)).first() is not None

    def check_password(self, name: str, password: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(users.c.password_hash, users.c.disabled).where(users.c.name == name)
            ).first()
        if row is None or row.password_hash is None or row.disabled:
            verify_password(password, "scrypt$16384$8$1$AAAA$AAAA")  # same cost either way
            return False
        return verify_password(password, row.password_hash)

    # -- roles -------------------------------------------------------------------------------

    def grant(self, name: str, model: str, role: Role) -> None:
        if model != "*":
            check_name(model)
        self.forget_cached()
        with self._write_engine.begin() as conn:
            user_id = self._user_id(conn, name)
            conn.execute(roles.delete().where(roles.c.user_id == user_id, roles.c.model == model))
            conn.execute(roles.insert().values(user_id=user_id, model=model, role=int(role)))

    def revoke_role(self, name: str, model: str) -> None:
        self.forget_cached()
        with self._write_engine.begin() as conn:
            user_id = self._user_id(conn, name)
            conn.execute(roles.delete().where(roles.c.user_id == user_id, roles.c.model == model))

    def model_roles(self, model: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(users.c.name, roles.c.role)
                .join(roles, roles.c.user_id == users.c.id)
                .where(roles.c.model.in_([model, "*"]))
            ).all()
        found: dict[str, str] = {}
        for name, role in rows:
            if name not in found or Role[found[name]] < Role(role):
                found[name] = Role(role).name
        return found

    # -- tokens ------------------------------------------------------------------------------

    def create_token(
        self,
        name: str,
        *,
        label: str = "cli",
        scopes: Iterable[str] = ("read", "write"),
        days: float | None = 90.0,
    ) -> tuple[str, TokenInfo]:
        """A new token for user ``name``: (the token, shown only now; what is kept of it)."""
        wanted = sorted(set(scopes))
        bad = [s for s in wanted if s not in SCOPES]
        if bad or not wanted:
            raise InvalidInput(f"unknown scopes {bad}", f"use some of {', '.join(SCOPES)}")
        if days is not None and not 0 < days <= 3650:
            raise InvalidInput(f"expiry of {days} days is out of range", "use 1 to 3650 days")
        token = new_token()
        created = now_ms()
        with self._write_engine.begin() as conn:
            user_id = self._user_id(conn, name)
            admin = conn.execute(sa.select(users.c.admin).where(users.c.id == user_id)).scalar()
            if "admin" in wanted and not admin:
                raise PermissionDenied(
                    f"{name} is not an admin and cannot hold an admin-scoped token",
                    "drop --scope admin",
                )
            token_id = conn.execute(
                tokens.insert()
                .values(
                    user_id=user_id,
                    name=label[:128],
                    token_hash=hash_token(self._secret, token),
                    hint=token[-4:],
                    scopes=" ".join(wanted),
                    created=created,
                    expires=None if days is None else created + int(days * 86_400_000),
                )
                .returning(tokens.c.id)
            ).scalar_one()
        return token, self._token_info(int(token_id))

    def _token_info(self, token_id: int) -> TokenInfo:
        rows = self._tokens_where(tokens.c.id == token_id)
        if not rows:
            raise NotFound(f"no token {token_id}", "list tokens with: cairn token list")
        return rows[0]

    def _tokens_where(self, condition: Any) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(tokens, users.c.name.label("user"))
                .join(users, users.c.id == tokens.c.user_id)
                .where(condition)
                .order_by(tokens.c.id)
            ).all()
        return [
            TokenInfo(
                id=r.id,
                user=r.user,
                name=r.name,
                hint=r.hint,
                scopes=r.scopes.split(),
                created=_time(r.created) or datetime.now(UTC),
                expires=_time(r.expires),
                revoked=_time(r.revoked),
                last_used=_time(r.last_used),
            )
            for r in rows
        ]

    def list_tokens(self, name: str | None = None) -> list[TokenInfo]:
        return self._tokens_where(sa.true() if name is None else users.c.name == name)

    def revoke_token(self, token_id: int, *, by: Principal) -> TokenInfo:
        self.forget_cached()
        info = self._token_info(token_id)
        if info.user != by.name and not by.admin:
            raise NotFound(f"no token {token_id}", "list tokens with: cairn token list")
        with self._write_engine.begin() as conn:
            conn.execute(
                tokens.update()
                .where(tokens.c.id == token_id, tokens.c.revoked.is_(None))
                .values(revoked=now_ms())
            )
        return self._token_info(token_id)

    def principal(self, token: str) -> Principal | None:
        """Who ``token`` acts for; None if it is unknown, revoked, expired or its user disabled."""
        if not looks_like_token(token):
            return None
        digest = hash_token(self._secret, token)
        now = now_ms()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    tokens.c.id,
                    tokens.c.scopes,
                    tokens.c.expires,
                    tokens.c.revoked,
                    tokens.c.last_used,
                    users.c.id.label("user_id"),
                    users.c.name,
                    users.c.admin,
                    users.c.disabled,
                )
                .join(users, users.c.id == tokens.c.user_id)
                .where(tokens.c.token_hash == digest)
            ).first()
            if row is None or row.revoked is not None or row.disabled:
                return None
            if row.expires is not None and row.expires <= now:
                return None
            granted = conn.execute(
                sa.select(roles.c.model, roles.c.role).where(roles.c.user_id == row.user_id)
            ).all()
        if row.last_used is None or now - row.last_used > _TOUCH_MS:
            with self._write_engine.begin() as conn:
                conn.execute(tokens.update().where(tokens.c.id == row.id).values(last_used=now))
        principal = Principal(
            name=row.name,
            admin=bool(row.admin),
            roles={model: Role(role) for model, role in granted},
            scopes=frozenset(row.scopes.split()),
            token_id=int(row.id),
        )
        until = now + _CACHE_MS if row.expires is None else min(now + _CACHE_MS, row.expires)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (until, principal)
        return principal
