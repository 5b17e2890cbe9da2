"""Roles per model, the actions they allow, and who is asking (the principal)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from cairn.errors import InvalidInput

__all__ = ["ACTIONS", "SCOPES", "Principal", "Role", "parse_role"]


class Role(enum.IntEnum):
    """Per-model roles; each includes everything the ones below it may do."""

    viewer = 1  # read metadata: versions, aliases, diffs, events
    user = 2  # and download artifacts
    contributor = 3  # and log versions, edit their description and tags
    maintainer = 4  # and move aliases, archive, delete, restore, manage the model


SCOPES = ("read", "write", "admin")

# action -> (the least role on the model, the token scope it needs). Actions on the registry
# as a whole (no model) need admin, except the few marked with Role None below, which any
# signed-in principal may do. Anything not in this table is denied.
ACTIONS: Mapping[str, tuple[Role | None, str]] = {
    "model.read": (Role.viewer, "read"),
    "version.read": (Role.viewer, "read"),
    "alias.read": (Role.viewer, "read"),
    "event.read": (Role.viewer, "read"),
    "artifact.read": (Role.user, "read"),
    "version.create": (Role.contributor, "write"),
    "version.update": (Role.contributor, "write"),
    "artifact.write": (Role.contributor, "write"),
    "model.create": (Role.contributor, "write"),
    "alias.write": (Role.maintainer, "write"),
    "version.lifecycle": (Role.maintainer, "write"),
    "model.update": (Role.maintainer, "write"),
    "model.delete": (Role.maintainer, "write"),
    "model.permissions": (Role.maintainer, "write"),
    "self.read": (None, "read"),
    "self.tokens": (None, "write"),
    "audit.verify": (None, "read"),
    "registry.admin": (Role.maintainer, "admin"),  # only admins hold it registry-wide
}


def parse_role(text: str) -> Role:
    try:
        return Role[text.strip().lower()]
    except KeyError:
        raise InvalidInput(
            f"unknown role {text!r}", "use viewer, user, contributor or maintainer"
        ) from None


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a user (through a token), or the anonymous admin of --no-auth.

    ``roles`` maps model names to roles; the key ``*`` gives a role on every model.
    """

    name: str
    admin: bool = False
    roles: Mapping[str, Role] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset(SCOPES)
    token_id: int | None = None

    def role_on(self, model: str) -> Role | None:
        found = [r for r in (self.roles.get(model), self.roles.get("*")) if r is not None]
        return max(found) if found else None

    def sees_everything(self) -> bool:
        return self.admin or "*" in self.roles
