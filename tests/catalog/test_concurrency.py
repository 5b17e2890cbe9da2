"""Concurrent writers in separate processes: numbers never collide, CAS has one winner."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import pytest

from cairn.catalog import Catalog
from cairn.errors import AliasConflict

from .conftest import digest, log

WRITERS = 8
PER_WRITER = 50


def _log_versions(url: str, writer: int, start: Any, out: Any) -> None:
    catalog = Catalog(url)
    start.wait()
    numbers = []
    try:
        for i in range(PER_WRITER):
            version = catalog.create_version(
                "fraud",
                digest=digest(writer * 1000 + i),
                size=i,
                file_count=1,
                author=f"w{writer}",
                actor=f"w{writer}",
                metrics={"auc": i / 100},
            )
            numbers.append(version.number)
        out.put(("ok", numbers))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(("error", repr(exc)))
    finally:
        catalog.close()


def _move_alias(url: str, target: int, start: Any, out: Any) -> None:
    catalog = Catalog(url)
    start.wait()
    try:
        catalog.set_alias("fraud", "production", target, expected=1, actor=f"w{target}")
        out.put(("won", target))
    except AliasConflict as exc:
        out.put(("conflict", exc.message))
    except Exception as exc:
        out.put(("error", repr(exc)))
    finally:
        catalog.close()


def _run(target: Any, url: str, args: list[Any]) -> list[tuple[str, Any]]:
    # Spawned children import this module by name: make its package importable for them
    # (pytest runs with --import-mode=importlib, which leaves sys.path alone).
    tests_dir = str(Path(__file__).resolve().parents[1])
    if tests_dir not in sys.path:
        sys.path.append(tests_dir)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(args))
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, a, start, out)) for a in args]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=90) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return results


@pytest.mark.slow
def test_eight_processes_open_and_number_400_versions_without_gaps(catalog_url: str) -> None:
    # The writers also open the empty database at once: exactly one of them migrates it.
    results = _run(_log_versions, catalog_url, list(range(WRITERS)))
    errors = [r for r in results if r[0] != "ok"]
    assert errors == []
    numbers = sorted(n for _, ns in results for n in ns)
    assert numbers == list(range(1, WRITERS * PER_WRITER + 1))
    for _, ns in results:
        assert ns == sorted(ns)  # each writer sees its own numbers grow
    catalog = Catalog(catalog_url)
    try:
        model = catalog.get_model("fraud")
        assert model.version_count == 400 and model.latest_version == 400
        report = catalog.verify_audit()
        assert report.ok and report.checked == 401  # model.create + 400 version.create
        assert [e.action for e in catalog.events(limit=1)] == ["model.create"]
    finally:
        catalog.close()


@pytest.mark.slow
def test_two_writers_with_the_same_expected_one_wins(catalog_url: str) -> None:
    catalog = Catalog(catalog_url)
    log(catalog, "fraud", 3)
    catalog.set_alias("fraud", "production", 1, actor="ada")
    results = _run(_move_alias, catalog_url, [2, 3])
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["conflict", "won"], results
    winner = next(v for kind, v in results if kind == "won")
    message = next(v for kind, v in results if kind == "conflict")
    assert f"points at version {winner}, not 1" in message
    assert catalog.get_alias("fraud", "production") == winner
    history = catalog.alias_history("fraud", "production")
    assert [(m.from_version, m.to_version) for m in history] == [(1, winner), (None, 1)]
    catalog.close()


def test_threads_sharing_one_catalog_number_without_gaps(catalog: Catalog) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(writer: int) -> list[int]:
        return [
            catalog.create_version(
                "fraud",
                digest=digest(writer * 1000 + i),
                size=i,
                file_count=1,
                author="t",
                actor="t",
            ).number
            for i in range(15)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = sorted(n for ns in pool.map(write, range(4)) for n in ns)
    assert numbers == list(range(1, 61))
    assert catalog.verify_audit().ok
