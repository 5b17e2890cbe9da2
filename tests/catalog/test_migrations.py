"""The schema comes from Alembic migrations shipped in the package, checked on open."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cairn.catalog import Catalog
from cairn.catalog.engine import normalize_url
from cairn.catalog.migrations import HEAD, REVISIONS, script_location
from cairn.catalog.schema import METADATA
from cairn.errors import CatalogError

from .conftest import log


def test_open_creates_then_reopens_without_migrating(catalog_url: str) -> None:
    first = Catalog(catalog_url)
    log(first, "fraud", 2)
    first.close()
    again = Catalog(catalog_url)
    assert again.get_model("fraud").version_count == 2
    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    again.close()


def test_the_migrated_schema_matches_the_table_definitions(catalog: Catalog) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from cairn.governance import schema as governance

    every_table = sa.MetaData()
    for table in [*METADATA.sorted_tables, *governance.metadata.sorted_tables]:
        table.to_metadata(every_table)
    with catalog.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, every_table)
    assert diff == []


def test_revision_list_matches_the_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", script_location())
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_heads() == [HEAD]
    chain = [s.revision for s in scripts.walk_revisions()]
    assert list(reversed(chain)) == list(REVISIONS)


def test_a_newer_schema_is_refused_with_a_hint(catalog_url: str) -> None:
    Catalog(catalog_url).close()
    engine = sa.create_engine(normalize_url(catalog_url))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(CatalogError) as info:
        Catalog(catalog_url)
    assert "9999" in info.value.message and "newer" in info.value.message
    assert "upgrade cairn" in info.value.hint


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'sub' / 'catalog.db'}")
    with catalog.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    catalog.close()


@pytest.mark.parametrize("url", ["mysql://x/y", "not a url", "sqlite://", "sqlite:///:memory:"])
def test_unsupported_urls_say_what_works(url: str) -> None:
    with pytest.raises(CatalogError) as info:
        Catalog(url)
    assert "sqlite:///" in info.value.hint


def test_postgres_urls_use_psycopg() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"


def test_an_unreachable_database_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="cannot open the catalog"):
        Catalog("postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2")


def test_an_older_schema_is_upgraded_on_open(catalog_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    Catalog(catalog_url).close()
    engine = sa.create_engine(normalize_url(catalog_url))
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", script_location())
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("versions")
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0
    engine.dispose()
    catalog = Catalog(catalog_url)  # at "base" now: upgraded to the head again
    assert log(catalog, "fraud", 1) == [1]
    assert catalog.verify_audit().ok
    catalog.close()


def test_upgrading_a_filled_0001_catalog_keeps_and_backfills_rows(catalog_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    catalog = Catalog(catalog_url)
    for auc in (0.7, 0.9, 0.8):
        log(catalog, "fraud", 1, metrics={"auc": auc}, tags={"team": "risk"})
    log(catalog, "churn", 1, metrics={"auc": 0.95})
    catalog.close()
    engine = sa.create_engine(normalize_url(catalog_url))
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", script_location())
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("version_metrics")}
        assert "model_id" not in columns
    catalog = Catalog(catalog_url)  # 0001 -> 0002 on open
    with catalog.engine.connect() as conn:
        missing = conn.execute(
            sa.text("SELECT count(*) FROM version_metrics WHERE model_id IS NULL")
        ).scalar()
        assert missing == 0
    best = catalog.list_versions("fraud", order_by="metrics.auc desc").items
    assert [v.metrics["auc"] for v in best] == [0.9, 0.8, 0.7]
    assert catalog.verify_audit().ok
    catalog.close()
    engine.dispose()
