"""Serving from a remote registry (a real ``cairn server``): loads over HTTP and follows the
alias through the server's event stream."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

import cairn

from .conftest import free_port


def test_serve_from_a_remote_registry_follows_its_event_stream(
    model_registry: Any, launch: Callable[..., Any], tmp_path: Any
) -> None:
    reg = cairn.open(model_registry.path)
    reg.set_alias("iris", "remote", 1)
    port = free_port()
    log = tmp_path / "registry-server.log"
    env = {**os.environ, "CAIRN_HOME": str(tmp_path / "server-home")}
    cmd = [sys.executable, "-m", "cairn", "--registry", str(model_registry.path), "server"]
    with log.open("wb") as out:
        registry_server = subprocess.Popen(
            [*cmd, "--port", str(port), "--no-auth"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        server = launch(url, "iris@remote", "--poll-interval", "3600")  # only the stream
        rows = model_registry.rows
        with server.client() as c:
            assert c.post("/predict", json=rows).json()["version"] == 1
            reg.set_alias("iris", "remote", 2)
            server.wait(
                lambda: c.get("/cairn/status").json()["slots"][0]["serving_version"] == 2,
                "the swap announced by the event stream",
                timeout=60,
            )
            body = c.post("/predict", json=rows).json()
            assert body["version"] == 2 and body["predictions"] == model_registry.expected[2]
        assert server.stop() in (0, -15)
    finally:
        registry_server.terminate()
        registry_server.wait(30)
        reg.close()
