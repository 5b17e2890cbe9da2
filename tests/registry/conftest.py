"""The registry suite runs against every way of opening a registry."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.registry import Registry


def _remote(tmp_path: Path) -> Iterator[Any]:
    """A RemoteRegistry on a server running in-process (auth on, as user alice, an admin)."""
    from fastapi.testclient import TestClient

    from cairn import settings
    from cairn.remote import RemoteRegistry
    from cairn.server.app import create_app

    local = cairn.open(tmp_path / "server-registry")
    assert isinstance(local, Registry)
    app = create_app(local, settings=settings.load(), webhooks_enabled=False)
    accounts = app.state.cairn.accounts
    accounts.create_user("alice", "correct horse battery", admin=True)
    token, _ = accounts.create_token("alice", label="tests", scopes=["read", "write", "admin"])
    with TestClient(app, base_url="http://testserver") as client:
        remote = RemoteRegistry("http://testserver", token=token, client=client)
        try:
            yield remote
        finally:
            remote.close()
    local.close()


@pytest.fixture(params=["folder", "postgres", "remote"])
def reg(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Registry]:
    monkeypatch.setenv("CAIRN_USER", "alice")
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "home"))
    if request.param == "remote":
        yield from _remote(tmp_path)
        return
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
    (root / "weights.bin").write_bytes(random.Random(0).randbytes(1_000_000))
    (root / "config.json").write_text('{"depth": 4}')
    return root
