"""The hot writes in driver SQL: same rows as Core would write, same errors, both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cairn.catalog import Catalog
from cairn.catalog.driver_sql import DriverSql, _translate
from cairn.catalog.schema import EVENTS, VERSIONS
from cairn.errors import CatalogError

from .conftest import DIGEST_A


def test_parameters_translate_per_driver() -> None:
    sql = "UPDATE t SET a = :a, j = :j!json WHERE b LIKE 'x%'"
    assert _translate(sql, postgres=False) == "UPDATE t SET a = :a, j = :j WHERE b LIKE 'x%'"
    assert _translate(sql, postgres=True) == (
        "UPDATE t SET a = %(a)s, j = CAST(%(j)s AS JSON) WHERE b LIKE 'x%%'"
    )


def test_a_version_written_in_driver_sql_reads_back_through_core(catalog: Catalog) -> None:
    created = catalog.create_version(
        "fraud",
        digest=DIGEST_A,
        size=10,
        file_count=2,
        author="ada",
        actor="ada",
        params={"depth": 6, "note": "a \"quoted\" 'text' with % and :colon"},
        metrics={"auc": 0.91},
        tags={"team": "risk"},
        meta={"nested": {"list": [1, 2.5, None, "x"]}},
    )
    again = catalog.get_version("fraud", 1)
    assert again == created
    assert again.git is None and again.status == "ready"
    with catalog.engine.connect() as conn:
        row = conn.execute(sa.select(VERSIONS.c.git, VERSIONS.c.meta)).one()
        event = conn.execute(sa.select(EVENTS).where(EVENTS.c.action == "version.create")).one()
    assert row.git is None  # SQL NULL, not the JSON text 'null'
    assert row.meta == {"nested": {"list": [1, 2.5, None, "x"]}}
    assert event.time == created.created and event.subject == "fraud/1"
    assert catalog.verify_audit().ok


def test_driver_errors_surface_as_sqlalchemy_errors_and_roll_back(catalog: Catalog) -> None:
    catalog.create_version("fraud", digest=DIGEST_A, size=1, file_count=1, author="a", actor="a")
    with pytest.raises(sa.exc.IntegrityError), catalog.engine.begin() as conn:
        sql = DriverSql(conn)
        bump = "UPDATE models SET version_count = version_count + 5 WHERE name = :n"
        sql.run(bump, {"n": "fraud"})
        # seq 1 exists: the primary key refuses a second one
        sql.run(
            "INSERT INTO events (seq, time, actor, action, subject, before, after, prev_hash, "
            "hash) VALUES (1, 0, 'a', 'x', 's', NULL, NULL, '', '')",
            {},
        )
    assert catalog.get_model("fraud").version_count == 1  # the whole transaction rolled back
    assert catalog.verify_audit().ok


def test_a_catalog_without_its_chain_head_says_so(catalog: Catalog) -> None:
    with catalog.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM chain_head"))
    with pytest.raises(CatalogError, match="no chain head row"):
        catalog.create_version("m", digest=DIGEST_A, size=1, file_count=1, author="a", actor="a")


def test_hot_reads_match_what_core_reads(catalog: Catalog) -> None:
    from cairn.catalog.driver_sql import fetch_one
    from cairn.catalog.records import Dataset, GitInfo, VersionKey
    from cairn.catalog.rows import (
        LATEST_VERSION,
        VERSION_BY_ALIAS,
        VERSION_BY_NUMBER,
        row_to_version,
    )

    catalog.create_version("base", digest=DIGEST_A, size=1, file_count=1, author="a", actor="a")
    catalog.create_version(
        "fraud",
        digest=DIGEST_A,
        size=7,
        file_count=3,
        author="ada",
        actor="ada",
        params={"depth": 6},
        metrics={"auc": 1.0},
        tags={"team": "risk"},
        git=GitInfo(commit="c" * 40, branch="main", dirty=True, remote=None),
        parents=[VersionKey(model="base", number=1)],
        datasets=[Dataset(name="train", uri="s3://b/train", digest="sha256:" + "d" * 64)],
        meta={"flavor": {"k": [1, None]}},
    )
    catalog.set_alias("fraud", "production", 1, actor="ada")
    catalog.set_alias("fraud", "staging", 1, actor="ada")
    cases = [
        (VERSION_BY_ALIAS, {"model": "fraud", "alias": "production"}),
        (VERSION_BY_NUMBER, {"model": "fraud", "number": 1}),
        (LATEST_VERSION, {"model": "fraud"}),
    ]
    with catalog.engine.connect() as conn:
        for stmt, params in cases:
            core = row_to_version(conn.execute(stmt, params).one())
            driver = row_to_version(fetch_one(conn, stmt, params))
            assert driver == core
            assert driver.aliases == ["production", "staging"]
            assert driver.metrics == {"auc": 1.0} and driver.created.tzinfo is not None
        assert fetch_one(conn, VERSION_BY_ALIAS, {"model": "fraud", "alias": "nope"}) is None
