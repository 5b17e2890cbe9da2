"""Aliases: compare-and-set moves, history, time travel and rollback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cairn.catalog import ANY
from cairn.catalog.records import AliasMove
from cairn.errors import NotFound
from cairn.refs import check_alias
from cairn.registry.base import RegistryBase

__all__ = ["AliasesMixin"]


class AliasesMixin(RegistryBase):
    def set_alias(
        self,
        model: str,
        alias: str,
        version: int | str,
        *,
        expected: Any = ANY,
        reason: str | None = None,
    ) -> AliasMove:
        """Point ``model@alias`` at ``version`` (a number or a ref of the same model).

        ``expected`` makes it a compare-and-set: the version the caller saw (None: the alias
        must not exist yet). A lost race raises :class:`~cairn.errors.AliasConflict`.
        """
        number = version if isinstance(version, int) else self._number_in(model, version)
        return self.catalog.set_alias(
            model, check_alias(alias), number, expected=expected, reason=reason, actor=self.actor
        )

    def delete_alias(
        self, ref: str, *, expected: Any = ANY, reason: str | None = None
    ) -> AliasMove:
        parsed = self._alias_ref(ref)
        return self.catalog.delete_alias(
            parsed.model, parsed.value, expected=expected, reason=reason, actor=self.actor
        )

    def aliases(self, model: str) -> dict[str, int]:
        return self.catalog.list_aliases(model)

    def alias_history(self, ref: str) -> list[AliasMove]:
        """Every move of ``name@alias``, newest first."""
        parsed = self._alias_ref(ref)
        return self.catalog.alias_history(parsed.model, parsed.value)

    def alias_at(self, ref: str, when: datetime) -> int | None:
        """The version ``name@alias`` pointed at, at time ``when`` (None if it did not exist)."""
        parsed = self._alias_ref(ref)
        return self.catalog.alias_at(parsed.model, parsed.value, when)

    def rollback(self, ref: str, *, to: str | None = None, reason: str | None = None) -> AliasMove:
        """Move ``name@alias`` back to the version it held before, or to ``to``."""
        parsed = self._alias_ref(ref)
        current = self.catalog.get_alias(parsed.model, parsed.value)
        if to is not None:
            target = self._number_in(parsed.model, to)
        else:
            history = self.catalog.alias_history(parsed.model, parsed.value)
            previous = history[0].from_version if history else None
            if previous is None:
                raise NotFound(
                    f"{parsed} has no earlier version to roll back to",
                    f"give one with --to (see cairn alias history {parsed})",
                )
            target = previous
        why = reason or f"rollback from version {current}"
        return self.catalog.set_alias(
            parsed.model, parsed.value, target, expected=current, reason=why, actor=self.actor
        )
