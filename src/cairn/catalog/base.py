"""What every part of the catalog facade shares: the engine, transactions, name lookups."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cairn.catalog.engine import make_engine
from cairn.catalog.events import ChainWriter
from cairn.catalog.migrations import ensure_schema
from cairn.catalog.schema import ALIASES, MODELS, VERSIONS
from cairn.errors import CairnError, CatalogError, NotFound
from cairn.refs import check_name

__all__ = ["ANY", "AnyVersion", "CatalogBase", "Expected", "close_matches", "utcnow"]


class AnyVersion(enum.Enum):
    """The type of :data:`ANY`."""

    ANY = "ANY"

    def __repr__(self) -> str:
        return "ANY"


ANY = AnyVersion.ANY
"""``expected=ANY``: move the alias whatever it points at now (no compare-and-set)."""

Expected = int | None | Literal[AnyVersion.ANY]


def utcnow() -> datetime:
    return datetime.now(UTC)


def close_matches(word: str, candidates: list[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, candidates, n=n, cutoff=0.6)


def did_you_mean(word: str, candidates: list[str], fallback: str) -> str:
    matches = close_matches(word, candidates)
    if matches:
        return "did you mean " + " or ".join(matches) + "?"
    return fallback


def _database_error(exc: sa.exc.DBAPIError) -> CatalogError:
    if isinstance(exc, sa.exc.OperationalError):
        return CatalogError(f"the catalog database failed: {exc.orig}")
    return CatalogError(
        f"the catalog database refused a change: {exc.orig}",
        "this is a bug in cairn or a damaged catalog; report it with the message above",
    )


class CatalogBase:
    """Owns the engine; gives the mixins read and write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self._write_engine = self.engine.execution_options(cairn_write=True)
        self._read_engine: Engine
        self._single_engine: Engine
        if self.engine.dialect.name == "postgresql":
            # Reads need no transaction of their own: autocommit saves the BEGIN and
            # ROLLBACK round trips (READ COMMITTED gives each statement a fresh snapshot
            # either way).
            self._read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self._single_engine = self._read_engine
        else:
            self._read_engine = self.engine
            self._single_engine = self.engine.execution_options(cairn_single=True)
        try:
            ensure_schema(self.engine)
        except CairnError:
            self.engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise CatalogError(
                f"cannot open the catalog at {self.engine.url.render_as_string()}: {exc}"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Catalog({self.engine.url.render_as_string()!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _read(self, *, single: bool = False) -> Iterator[Connection]:
        """A read connection; ``single``: for one statement, which needs no BEGIN on SQLite
        (any follow-up queries, e.g. to explain a miss, run outside a snapshot)."""
        engine = self._single_engine if single else self._read_engine
        try:
            with engine.connect() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            raise _database_error(exc) from exc

    @contextmanager
    def _write(self) -> Iterator[ChainWriter]:
        """One write transaction, holding the writers' lock, with the event chain open."""
        try:
            with self._write_engine.begin() as conn:
                chain = ChainWriter.lock(conn, utcnow())
                yield chain
                chain.finish()
        except sa.exc.DBAPIError as exc:
            raise _database_error(exc) from exc

    # -- lookups shared by the mixins -------------------------------------------------------

    def _model_names(self, conn: Connection) -> list[str]:
        return list(conn.execute(sa.select(MODELS.c.name)).scalars())

    def _model_not_found(self, conn: Connection, name: str) -> NotFound:
        hint = did_you_mean(name, self._model_names(conn), "list the models with: cairn models")
        return NotFound(f"model {name!r} not found", hint)

    def _model_id(self, conn: Connection, name: str) -> int:
        model_id = conn.execute(sa.select(MODELS.c.id).where(MODELS.c.name == name)).scalar()
        if model_id is None:
            check_name(name)
            raise self._model_not_found(conn, name)
        return int(model_id)

    def _version_not_found(self, conn: Connection, model: str, number: int) -> NotFound:
        numbers = conn.execute(
            sa.select(MODELS.c.latest_number, MODELS.c.last_number).where(MODELS.c.name == model)
        ).first()
        if numbers is None or numbers.last_number == 0:
            hint = f"{model} has no versions yet; log one with: cairn log PATH --model {model}"
        else:
            hint = f"{model}'s latest version is {numbers.latest_number} (cairn versions {model})"
        return NotFound(f"version {model}/{number} not found", hint)

    def _alias_not_found(self, conn: Connection, model_id: int, model: str, alias: str) -> NotFound:
        names = list(
            conn.execute(sa.select(ALIASES.c.alias).where(ALIASES.c.model_id == model_id)).scalars()
        )
        fallback = (
            f"{model} has aliases: {', '.join(sorted(names))}"
            if names
            else f"{model} has no aliases; set one with: cairn alias set {model}/N ALIAS"
        )
        return NotFound(f"{model} has no alias {alias!r}", did_you_mean(alias, names, fallback))

    def _version_id(self, conn: Connection, model_id: int, model: str, number: int) -> int:
        version_id = conn.execute(
            sa.select(VERSIONS.c.id).where(
                VERSIONS.c.model_id == model_id, VERSIONS.c.number == number
            )
        ).scalar()
        if version_id is None:
            raise self._version_not_found(conn, model, number)
        return int(version_id)
