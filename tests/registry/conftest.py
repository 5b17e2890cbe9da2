"""The registry suite runs against every way of opening a registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import cairn
from cairn.registry import Registry


@pytest.fixture(params=["folder", "postgres"])
def reg(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Registry]:
    monkeypatch.setenv("CAIRN_USER", "alice")
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "home"))
    if request.param == "folder":
        registry = cairn.open(tmp_path / "registry")
    else:
        url = request.getfixturevalue("postgres_url")
        registry = cairn.open(url, store=str(tmp_path / "store"))
    assert isinstance(registry, Registry)
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    """A small model folder: weights and a config."""
    root = tmp_path / "artifact"
    root.mkdir()
    (root / "weights.bin").write_bytes(bytes(range(256)) * 1000)
    (root / "config.json").write_text('{"depth": 4}')
    return root
