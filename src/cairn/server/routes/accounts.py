"""Sign-in, who am I, users (admins), and personal access tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cairn.errors import AuthenticationRequired, InvalidInput
from cairn.governance.accounts import TokenInfo, UserInfo
from cairn.governance.roles import Principal
from cairn.server.auth import Ctx, state_of
from cairn.server.responses import as_json, as_json_list

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Name = Annotated[str, Field(min_length=1, max_length=128)]
PathName = Annotated[str, Path(min_length=1, max_length=128)]


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Name
    password: str = Field(min_length=1, max_length=1024)
    label: str = Field("cli", max_length=128)
    days: float | None = Field(None, gt=0, le=3650)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("token", max_length=128)
    scopes: list[str] = Field(default_factory=lambda: ["read", "write"], max_length=3)
    days: float | None = Field(None, gt=0, le=3650)
    user: Name | None = Field(None, description="admins only: a token for another user")


class IssuedToken(BaseModel):
    token: str = Field(description="shown once; cairn keeps only a keyed hash of it")
    info: TokenInfo


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    password: str | None = Field(None, min_length=8, max_length=1024)
    admin: bool = False


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, min_length=8, max_length=1024)
    disabled: bool | None = None


class WhoAmI(BaseModel):
    name: str
    admin: bool
    roles: dict[str, str]
    scopes: list[str]
    expires: datetime | None = None


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.post("/login", response_model=IssuedToken, status_code=201)
def login(body: Login, request: Request) -> Response:
    """Trade a user name and password for a token with all the user's scopes. Failures are
    rate-limited per user and address (429 after ``CAIRN_LOGIN_ATTEMPTS`` in five minutes)."""
    state = state_of(request)
    address = _client(request)
    state.limiter.check(body.username, address)
    if not state.accounts.check_password(body.username, body.password):
        state.limiter.failed(body.username, address)
        raise AuthenticationRequired(
            "wrong user name or password", "check them, or ask an admin to reset the password"
        )
    state.limiter.succeeded(body.username, address)
    days = body.days if body.days is not None else state.settings.token_days
    admin = state.accounts.get_user(body.username).admin
    scopes = ["read", "write", "admin"] if admin else ["read", "write"]
    token, info = state.accounts.create_token(
        body.username, label=body.label, scopes=scopes, days=days
    )
    return as_json(IssuedToken(token=token, info=info), 201)


@router.get("/whoami", response_model=WhoAmI)
def whoami(ctx: Ctx) -> WhoAmI:
    ctx.authorize("self.read")
    p: Principal = ctx.principal
    return WhoAmI(
        name=p.name,
        admin=p.admin,
        roles={model: role.name for model, role in p.roles.items()},
        scopes=sorted(p.scopes),
    )


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(ctx: Ctx, all: bool = False) -> Response:
    ctx.authorize("self.read")
    if all:
        ctx.authorize("registry.admin")
        return as_json_list(ctx.state.accounts.list_tokens())
    return as_json_list(ctx.state.accounts.list_tokens(ctx.principal.name))


@router.post("/tokens", response_model=IssuedToken, status_code=201)
def create_token(body: NewToken, ctx: Ctx) -> Response:
    ctx.authorize("self.tokens")
    user = body.user or ctx.principal.name
    if user != ctx.principal.name:
        ctx.authorize("registry.admin")
    if not set(body.scopes) <= ctx.principal.scopes and not ctx.principal.admin:
        raise InvalidInput("a token cannot have scopes the token creating it lacks")
    days = body.days if body.days is not None else ctx.state.settings.token_days
    token, info = ctx.state.accounts.create_token(
        user, label=body.label, scopes=body.scopes, days=days
    )
    return as_json(IssuedToken(token=token, info=info), 201)


@router.delete("/tokens/{token_id}", response_model=TokenInfo)
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], ctx: Ctx) -> Response:
    ctx.authorize("self.tokens")
    return as_json(ctx.state.accounts.revoke_token(token_id, by=ctx.principal))


@router.get("/users", response_model=list[UserInfo])
def list_users(ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    return as_json_list(ctx.state.accounts.list_users())


@router.post("/users", response_model=UserInfo, status_code=201)
def create_user(body: NewUser, ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    return as_json(ctx.state.accounts.create_user(body.name, body.password, admin=body.admin), 201)


@router.get("/users/{name}", response_model=UserInfo)
def get_user(name: PathName, ctx: Ctx) -> Response:
    if name != ctx.principal.name:
        ctx.authorize("registry.admin")
    else:
        ctx.authorize("self.read")
    return as_json(ctx.state.accounts.get_user(name))


@router.patch("/users/{name}", response_model=UserInfo)
def update_user(name: PathName, body: UserChange, ctx: Ctx) -> Response:
    ctx.authorize("registry.admin")
    if body.password is not None:
        ctx.state.accounts.set_password(name, body.password)
    if body.disabled is not None:
        ctx.state.accounts.set_disabled(name, body.disabled)
    return as_json(ctx.state.accounts.get_user(name))
