"""Aliases: movable names on a model (``production``), moved by compare-and-set, with history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.catalog.base import ANY, Expected
from cairn.catalog.driver_sql import fetch_one
from cairn.catalog.events import ChainWriter
from cairn.catalog.records import AliasMove, VersionRecord
from cairn.catalog.rows import VERSION_BY_ALIAS, AnyRow, row_to_version
from cairn.catalog.schema import ALIAS_MOVES, ALIASES, MODELS, VERSIONS
from cairn.catalog.versions import VersionOps
from cairn.errors import AliasConflict, InvalidInput
from cairn.refs import check_alias, check_name

__all__ = ["AliasOps"]

_MOVE_COLUMNS = (
    ALIAS_MOVES.c.alias,
    ALIAS_MOVES.c.from_version,
    ALIAS_MOVES.c.to_version,
    ALIAS_MOVES.c.actor,
    ALIAS_MOVES.c.time,
    ALIAS_MOVES.c.reason,
    ALIAS_MOVES.c.seq,
)


def _move(model: str, row: AnyRow) -> AliasMove:
    return AliasMove(
        model=model,
        alias=row.alias,
        from_version=row.from_version,
        to_version=row.to_version,
        actor=row.actor,
        time=row.time,
        reason=row.reason,
        seq=row.seq,
    )


class AliasOps(VersionOps):
    def _current_alias(self, conn: Connection, model_id: int, alias: str) -> int | None:
        number = conn.execute(
            sa.select(VERSIONS.c.number)
            .join(ALIASES, ALIASES.c.version_id == VERSIONS.c.id)
            .where(ALIASES.c.model_id == model_id, ALIASES.c.alias == alias)
        ).scalar()
        return None if number is None else int(number)

    @staticmethod
    def _check_expected(model: str, alias: str, current: int | None, expected: Expected) -> None:
        if expected is ANY or expected == current:
            return
        if current is None:
            raise AliasConflict(
                f"{model}@{alias} does not exist (expected it at version {expected})",
                f"someone removed it; set it again with expected=None "
                f"(see cairn alias history {model}@{alias})",
            )
        if expected is None:
            raise AliasConflict(
                f"{model}@{alias} already exists: it points at version {current}",
                f"pass expected={current} to move it (see cairn alias history {model}@{alias})",
            )
        raise AliasConflict(
            f"{model}@{alias} points at version {current}, not {expected}",
            f"someone moved it; check cairn alias history {model}@{alias} and retry with "
            f"expected={current}",
        )

    def _record_move(
        self,
        chain: ChainWriter,
        *,
        model: str,
        model_id: int,
        alias: str,
        current: int | None,
        target: int | None,
        reason: str | None,
        actor: str,
    ) -> AliasMove:
        action = "alias.delete" if target is None else "alias.set"
        event = chain.append(
            action,
            f"{model}@{alias}",
            actor=actor,
            before=None if current is None else {"version": current},
            after={"version": target, "reason": reason},
        )
        move = {
            "alias": alias,
            "from_version": current,
            "to_version": target,
            "actor": actor,
            "time": chain.now,
            "reason": reason,
            "seq": event.seq,
        }
        chain.conn.execute(sa.insert(ALIAS_MOVES).values(model_id=model_id, **move))
        return AliasMove(model=model, **move)

    def set_alias(
        self,
        model: str,
        alias: str,
        number: int,
        *,
        expected: Expected = ANY,
        reason: str | None = None,
        actor: str,
    ) -> AliasMove:
        """Point ``model@alias`` at version ``number``.

        ``expected`` makes it a compare-and-set: ``None`` means the alias must not exist yet,
        an int that it must point there now; otherwise :class:`AliasConflict` names the
        version it actually holds. ``ANY`` (the default) moves it unconditionally.
        """
        check_alias(alias)
        with self._write() as chain:
            conn = chain.conn
            model_id = self._model_id(conn, model)
            target = conn.execute(
                sa.select(VERSIONS.c.id, VERSIONS.c.status).where(
                    VERSIONS.c.model_id == model_id, VERSIONS.c.number == number
                )
            ).first()
            if target is None:
                raise self._version_not_found(conn, model, number)
            if target.status == "deleted":
                raise InvalidInput(
                    f"{model}/{number} is deleted and cannot be aliased",
                    f"restore it first (cairn restore {model}/{number}) or pick another version",
                )
            current = self._current_alias(conn, model_id, alias)
            self._check_expected(model, alias, current, expected)
            if current is None:
                conn.execute(
                    sa.insert(ALIASES).values(
                        model_id=model_id, alias=alias, version_id=target.id, updated=chain.now
                    )
                )
            else:
                conn.execute(
                    sa.update(ALIASES)
                    .where(ALIASES.c.model_id == model_id, ALIASES.c.alias == alias)
                    .values(version_id=target.id, updated=chain.now)
                )
            return self._record_move(
                chain,
                model=model,
                model_id=model_id,
                alias=alias,
                current=current,
                target=number,
                reason=reason,
                actor=actor,
            )

    def delete_alias(
        self,
        model: str,
        alias: str,
        *,
        expected: Expected = ANY,
        reason: str | None = None,
        actor: str,
    ) -> AliasMove:
        """Remove ``model@alias`` (compare-and-set with ``expected`` as in :meth:`set_alias`)."""
        with self._write() as chain:
            conn = chain.conn
            model_id = self._model_id(conn, model)
            current = self._current_alias(conn, model_id, alias)
            if current is None and expected is ANY:
                raise self._alias_not_found(conn, model_id, model, alias)
            self._check_expected(model, alias, current, expected)
            if current is None:  # expected=None and it does not exist: nothing to remove
                raise self._alias_not_found(conn, model_id, model, alias)
            conn.execute(
                sa.delete(ALIASES).where(ALIASES.c.model_id == model_id, ALIASES.c.alias == alias)
            )
            return self._record_move(
                chain,
                model=model,
                model_id=model_id,
                alias=alias,
                current=current,
                target=None,
                reason=reason,
                actor=actor,
            )

    def resolve_alias(self, model: str, alias: str) -> VersionRecord:
        """The version ``model@alias`` points at, in one query."""
        with self._read(single=True) as conn:
            row = fetch_one(conn, VERSION_BY_ALIAS, {"model": model, "alias": alias})
            if row is None:
                check_name(model)
                check_alias(alias)
                raise self._alias_not_found(conn, self._model_id(conn, model), model, alias)
            return row_to_version(row)

    def get_alias(self, model: str, alias: str) -> int:
        """The version number ``model@alias`` points at."""
        with self._read() as conn:
            number = conn.execute(
                sa.select(VERSIONS.c.number)
                .join(ALIASES, ALIASES.c.version_id == VERSIONS.c.id)
                .join(MODELS, MODELS.c.id == ALIASES.c.model_id)
                .where(MODELS.c.name == model, ALIASES.c.alias == alias)
            ).scalar()
            if number is None:
                raise self._alias_not_found(conn, self._model_id(conn, model), model, alias)
            return int(number)

    def list_aliases(self, model: str) -> dict[str, int]:
        with self._read() as conn:
            model_id = self._model_id(conn, model)
            rows = conn.execute(
                sa.select(ALIASES.c.alias, VERSIONS.c.number)
                .join(VERSIONS, VERSIONS.c.id == ALIASES.c.version_id)
                .where(ALIASES.c.model_id == model_id)
                .order_by(ALIASES.c.alias)
            ).all()
            return {alias: int(number) for alias, number in rows}

    def alias_history(self, model: str, alias: str) -> list[AliasMove]:
        """Every move of ``model@alias``, newest first."""
        with self._read() as conn:
            model_id = self._model_id(conn, model)
            rows = conn.execute(
                sa.select(*_MOVE_COLUMNS)
                .where(ALIAS_MOVES.c.model_id == model_id, ALIAS_MOVES.c.alias == alias)
                .order_by(ALIAS_MOVES.c.seq.desc())
            ).all()
            if not rows:
                raise self._alias_not_found(conn, model_id, model, alias)
            return [_move(model, r) for r in rows]

    def alias_at(self, model: str, alias: str, when: datetime) -> int | None:
        """The version ``model@alias`` pointed at, at time ``when`` (None: it did not exist)."""
        with self._read() as conn:
            model_id = self._model_id(conn, model)
            row = conn.execute(
                sa.select(ALIAS_MOVES.c.to_version)
                .where(
                    ALIAS_MOVES.c.model_id == model_id,
                    ALIAS_MOVES.c.alias == alias,
                    ALIAS_MOVES.c.time <= when,
                )
                .order_by(ALIAS_MOVES.c.seq.desc())
                .limit(1)
            ).first()
            return None if row is None else row.to_version
