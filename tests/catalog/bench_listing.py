"""Measure the first page of listings with 100 and with 100,000 versions in one model.

Not a test (no timing assertions anywhere in the suite); run it by hand:

    python tests/catalog/bench_listing.py [--url postgresql://...] [--versions 100000]

Rows are bulk-inserted through the catalog's schema (Core executemany), as the registry
benchmark does, then each listing's first page (limit 50) is timed as the median of many runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cairn.catalog import Catalog
from cairn.catalog.schema import METRICS, MODELS, PARAMS, TAGS, VERSIONS


def bulk_versions(catalog: Catalog, model: str, count: int) -> None:
    catalog.ensure_model(model, actor="bench")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with catalog.engine.begin() as conn:
        model_id = conn.execute(sa.select(MODELS.c.id).where(MODELS.c.name == model)).scalar_one()
        first_id = (conn.execute(sa.select(sa.func.max(VERSIONS.c.id))).scalar() or 0) + 1
        batch = 5000
        for lo in range(0, count, batch):
            numbers = range(lo + 1, min(count, lo + batch) + 1)
            rows: list[dict[str, Any]] = []
            params: list[dict[str, Any]] = []
            metrics: list[dict[str, Any]] = []
            tags: list[dict[str, Any]] = []
            for n in numbers:
                vid = first_id + n - 1
                auc = (n * 7919 % 1000) / 1000  # spread alike in both models
                rows.append(
                    {
                        "id": vid,
                        "model_id": model_id,
                        "number": n,
                        "digest": f"blake3:{n:064x}",
                        "size": n,
                        "file_count": 1,
                        "flavor": "sklearn",
                        "description": "",
                        "author": "bench",
                        "created": start + timedelta(seconds=n),
                        "status": "ready",
                        "status_changed": None,
                        "params": {"depth": n % 10},
                        "metrics": {"auc": auc},
                        "tags": {"team": f"t{n % 5}"},
                        "git": None,
                        "parents": [],
                        "datasets": [],
                        "meta": {},
                    }
                )
                params.append(
                    {
                        "version_id": vid,
                        "key": "depth",
                        "value_text": str(n % 10),
                        "value_num": float(n % 10),
                    }
                )
                metrics.append(
                    {"version_id": vid, "model_id": model_id, "key": "auc", "value": auc}
                )
                tags.append(
                    {"version_id": vid, "model_id": model_id, "key": "team", "value": f"t{n % 5}"}
                )
            conn.execute(VERSIONS.insert(), rows)
            conn.execute(PARAMS.insert(), params)
            conn.execute(METRICS.insert(), metrics)
            conn.execute(TAGS.insert(), tags)
        conn.execute(
            MODELS.update()
            .where(MODELS.c.id == model_id)
            .values(last_number=count, latest_number=count, version_count=count)
        )
    if catalog.dialect == "postgresql":
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with catalog.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def median_ms(call: Callable[[], object], runs: int = 200) -> float:
    for _ in range(10):
        call()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="catalog URL (default: a fresh SQLite file)")
    parser.add_argument("--versions", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'catalog.db'}"
        catalog = Catalog(url)
        bulk_versions(catalog, "small", 100)
        bulk_versions(catalog, "big", args.versions)
        catalog.set_alias("big", "production", args.versions // 2, actor="bench")
        cases: list[tuple[str, Callable[[str], object]]] = [
            ("list_versions(model)", lambda m: catalog.list_versions(m)),
            (
                "list_versions(model, order_by='created desc')",
                lambda m: catalog.list_versions(m, order_by="created desc"),
            ),
            ("search_versions('model = M')", lambda m: catalog.search_versions(f"model = {m}")),
            (
                "search_versions('model = M and metrics.auc > 0.5')",
                lambda m: catalog.search_versions(f"model = {m} and metrics.auc > 0.5"),
            ),
            (
                "list_versions(model, order_by='metrics.auc desc')",
                lambda m: catalog.list_versions(m, order_by="metrics.auc desc"),
            ),
            (
                "search_versions('model = M', order_by='metrics.auc desc')",
                lambda m: catalog.search_versions(f"model = {m}", order_by="metrics.auc desc"),
            ),
            (
                "list_versions(model, page 2)",
                lambda m: catalog.list_versions(m, page_token=catalog.list_versions(m).next_token),
            ),
        ]
        print(f"{catalog.dialect}: first page (limit 50), median ms")
        print(f"{'call':66} {'100':>8} {args.versions:>8} {'ratio':>6}")
        for label, call in cases:
            small = median_ms(lambda call=call: call("small"))
            big = median_ms(lambda call=call: call("big"))
            print(f"{label:66} {small:8.2f} {big:8.2f} {big / small:6.2f}")
        whole = median_ms(
            lambda: catalog.search_versions("metrics.auc > 0.5", order_by="metrics.auc desc"),
            runs=50,
        )
        label = "search_versions('metrics.auc > 0.5', order_by='metrics.auc desc'), all"
        print(f"{label:66} {whole:17.2f}")
        resolve = median_ms(lambda: catalog.resolve_alias("big", "production"), runs=2000)
        print(f"{'resolve_alias(big@production)':66} {resolve:8.3f}")
        catalog.close()


if __name__ == "__main__":
    main()
