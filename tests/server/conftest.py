"""Servers for the tests: in-process (TestClient) and real uvicorn processes on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import cairn
from cairn import settings
from cairn.governance.accounts import Accounts
from cairn.governance.roles import Role
from cairn.registry import Registry

SECRET = "test-server-secret"


@pytest.fixture(autouse=True)
def server_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CAIRN_USER", "tester")
    monkeypatch.setenv("CAIRN_SERVER_SECRET", SECRET)
    monkeypatch.setenv("CAIRN_WEBHOOK_POLL", "0.05")
    monkeypatch.setenv("CAIRN_WEBHOOK_BACKOFF", "0.05")
    monkeypatch.setenv("CAIRN_WEBHOOK_TIMEOUT", "2")


@dataclass
class Api:
    """An in-process server with an admin, and a way to make users with roles."""

    app: FastAPI
    client: TestClient
    accounts: Accounts
    registry: Registry
    admin_token: str

    def user(self, name: str, roles: dict[str, Role] | None = None, **kw: Any) -> str:
        self.accounts.create_user(name, "password-" + name)
        for model, role in (roles or {}).items():
            self.accounts.grant(name, model, role)
        token, _ = self.accounts.create_token(name, **kw)
        return token

    def as_(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    made: list[tuple[TestClient, Registry]] = []

    def make(webhooks: bool = False) -> Api:
        from cairn.server.app import create_app

        reg = cairn.open(tmp_path / f"registry{len(made)}")
        assert isinstance(reg, Registry)
        app = create_app(reg, settings=settings.load(), webhooks_enabled=webhooks)
        accounts: Accounts = app.state.cairn.accounts
        accounts.create_user("root", "root-password", admin=True)
        token, _ = accounts.create_token("root", scopes=["read", "write", "admin"])
        client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
        client.__enter__()
        made.append((client, reg))
        return Api(app, client, accounts, reg, token)

    yield make
    for client, reg in made:
        client.__exit__(None, None, None)
        reg.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    root = tmp_path / "artifact"
    root.mkdir()
    (root / "weights.bin").write_bytes(os.urandom(300_000))
    (root / "config.json").write_text('{"depth": 4}')
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(
    registry: str, log: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> LiveServer:
    """``cairn server`` in a subprocess on a free loopback port; waits until it is ready."""
    port = free_port()
    full = {**os.environ, **(env or {}), "CAIRN_SERVER_REGISTRY": registry}
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cairn", "server", "--port", str(port), *args],
        env=full,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return LiveServer(url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """A real uvicorn server on a folder registry, and an admin token for it."""
    folder = tmp_path / "live-registry"
    reg = cairn.open(folder)
    assert isinstance(reg, Registry)
    from cairn.governance.tokens import server_secret

    accounts = Accounts(reg.catalog.engine, server_secret(SECRET, tmp_path))
    accounts.create_user("root", "root-password", admin=True)
    token, _ = accounts.create_token("root", scopes=["read", "write", "admin"])
    reg.close()
    server = start_server(str(folder), tmp_path / "server.log")
    try:
        yield server, token
    finally:
        server.stop()
