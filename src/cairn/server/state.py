"""What one server process holds: the registry, accounts, webhooks and the login limiter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cairn.governance.accounts import Accounts
from cairn.governance.ratelimit import LoginLimiter
from cairn.governance.roles import Principal
from cairn.governance.webhooks import Webhooks
from cairn.registry import Registry
from cairn.settings import Settings

if TYPE_CHECKING:
    from cairn.server.dispatch import Dispatcher

__all__ = ["ServerState"]


@dataclass
class ServerState:
    registry: Registry
    settings: Settings
    accounts: Accounts
    webhooks: Webhooks
    limiter: LoginLimiter
    auth: bool = True
    dispatcher: Dispatcher | None = field(default=None)

    def view(self, principal: Principal) -> Registry:
        """The shared registry, acting as ``principal`` (events and versions record them)."""
        base = self.registry
        reg = Registry(base.catalog, base.store, home=base.home, settings=base.settings)
        reg.actor = principal.name
        return reg
