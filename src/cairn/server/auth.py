"""Who is asking: the bearer token of a request, turned into a :class:`Principal`.

Every handler takes a :class:`Ctx` (``Depends(context)``) and calls ``ctx.authorize(action,
model)`` — the one :func:`~cairn.governance.authorize.authorize` — before it does anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cairn.errors import AuthenticationRequired
from cairn.governance.authorize import allowed, authorize
from cairn.governance.roles import Principal
from cairn.registry import Registry
from cairn.server.state import ServerState

__all__ = ["Context", "Ctx", "context", "principal_of", "state_of"]

_ACTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.cairn
    return state


def principal_of(request: Request) -> Principal:
    """The principal of a request; AuthenticationRequired (401) without a valid token."""
    state = state_of(request)
    if not state.auth:
        offered = request.headers.get("x-cairn-actor", "")
        name = offered if _ACTOR.fullmatch(offered) else "anonymous"
        principal = Principal(name=name, admin=True)
    else:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationRequired("this request needs a token (Authorization: Bearer …)")
        found = state.accounts.principal(token.strip())
        if found is None:
            raise AuthenticationRequired(
                "the token is unknown, revoked or expired",
                "log in again with cairn login, or create a new token",
            )
        principal = found
    request.scope.setdefault("state", {})["actor"] = principal.name
    return principal


@dataclass
class Context:
    """A request's principal and the server state, with the authorization check."""

    principal: Principal
    state: ServerState

    def authorize(self, action: str, model: str | None = None) -> None:
        authorize(self.principal, action, model)

    def may(self, action: str, model: str | None = None) -> bool:
        return allowed(self.principal, action, model)

    @property
    def reg(self) -> Registry:
        return self.state.view(self.principal)


async def context(request: Request) -> Context:
    """The request's principal. Runs on the event loop: a token seen in the last two seconds
    is answered from memory, a new one costs one indexed lookup."""
    return Context(principal_of(request), state_of(request))


Ctx = Annotated[Context, Depends(context)]
