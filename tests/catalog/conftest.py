"""A ``catalog`` fixture that runs every test on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.catalog import Catalog

DIGEST_A = "blake3:" + "a" * 64
DIGEST_B = "blake3:" + "b" * 64


def digest(n: int) -> str:
    return "blake3:" + f"{n:064x}"


@pytest.fixture(scope="session")
def catalog_pg_database(postgres_server_url: str) -> Iterator[str]:
    """One PostgreSQL database for this session's catalog tests; each test gets a schema in
    it (``CREATE SCHEMA`` is far cheaper than ``CREATE DATABASE``)."""
    name = f"cairn_catalog_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.make_url(postgres_server_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def pg_schema(database_url: str) -> Iterator[str]:
    """A fresh, empty schema; the URL puts it first on the search_path."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SET lock_timeout = '20s'"))
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty catalog location: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    with pg_schema(request.getfixturevalue("catalog_pg_database")) as url:
        yield url


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    cat = Catalog(catalog_url)
    try:
        yield cat
    finally:
        cat.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_catalog_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like ``catalog_url``, shared by a module's read-only tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.db'}"
        return
    with pg_schema(request.getfixturevalue("catalog_pg_database")) as url:
        yield url


@pytest.fixture(scope="module")
def module_catalog(module_catalog_url: str) -> Iterator[Catalog]:
    cat = Catalog(module_catalog_url)
    try:
        yield cat
    finally:
        cat.close()


def log(cat: Catalog, model: str = "fraud", n: int = 1, **kwargs: object) -> list[int]:
    """Log ``n`` versions; returns their numbers."""
    numbers = []
    for i in range(n):
        args: dict[str, object] = {
            "digest": digest(i + 1),
            "size": 100 + i,
            "file_count": 1,
            "author": "ada",
            "actor": "ada",
        }
        args.update(kwargs)
        numbers.append(cat.create_version(model, **args).number)  # type: ignore[arg-type]
    return numbers
