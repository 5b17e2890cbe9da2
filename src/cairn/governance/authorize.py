"""The one authorization check every server handler goes through. Deny by default."""

from __future__ import annotations

from cairn.errors import AuthenticationRequired, PermissionDenied
from cairn.governance.roles import ACTIONS, Principal

__all__ = ["allowed", "authorize"]


def allowed(principal: Principal | None, action: str, resource: str | None = None) -> bool:
    """Whether ``principal`` may do ``action`` on model ``resource`` (None: the registry)."""
    rule = ACTIONS.get(action)
    if principal is None or rule is None:
        return False
    least, scope = rule
    if scope not in principal.scopes:
        return False
    if principal.admin:
        return True
    if least is None:
        return True
    if resource is None:
        return False
    role = principal.role_on(resource)
    return role is not None and role >= least


def authorize(principal: Principal | None, action: str, resource: str | None = None) -> None:
    """Raise unless ``principal`` may do ``action`` on ``resource`` (a model name or None).

    No principal is :class:`AuthenticationRequired` (401); anything not granted is
    :class:`PermissionDenied` (403), naming the role that would allow it.
    """
    if principal is None:
        raise AuthenticationRequired("this request needs a token")
    if allowed(principal, action, resource):
        return
    rule = ACTIONS.get(action)
    if rule is None:
        raise PermissionDenied(f"{action!r} is not a known action", "this is a bug in cairn")
    least, scope = rule
    if scope not in principal.scopes:
        raise PermissionDenied(
            f"the token of {principal.name} lacks the {scope!r} scope for {action}",
            f"create a token with --scope {scope}",
        )
    where = f"model {resource!r}" if resource else "the registry"
    need = "admin" if least is None or resource is None else least.name
    raise PermissionDenied(
        f"{principal.name} may not {action} on {where}",
        f"ask an admin or a maintainer of the model for the {need} role",
    )
