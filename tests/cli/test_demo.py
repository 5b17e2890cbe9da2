"""`cairn demo`: the README's first command, in-process and as a real server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import cairn

pytest.importorskip("sklearn")
pytest.importorskip("skops")

Cli = Callable[..., Any]


def test_demo_logs_three_real_versions_and_rolls_back(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "demo"
    r = cli("demo", "--path", str(target), "--no-serve")
    assert r.code == 0, r.err
    assert "rolled back production: 2 → 1" in r.out
    assert re.search(r"on 5 rows: \[[01](, [01]){4}\]", r.out)
    reg = cairn.open(target)
    versions = reg.versions("breast-cancer").items
    assert [v.number for v in versions] == [3, 2, 1]
    assert all(v.metrics["auc"] > 0.95 for v in versions)
    assert [str(p) for p in reg.resolve("breast-cancer/2").parents] == ["breast-cancer/1"]
    assert reg.resolve("breast-cancer@production").number == 1
    assert reg.resolve("breast-cancer/1").datasets[0].digest
    assert reg.verify_audit().ok
    reg.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serves_the_registry_and_the_web_ui(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CAIRN_HOME": str(tmp_path / "home"), "CAIRN_USER": "demo"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cairn",
            "demo",
            "--path",
            str(tmp_path / "demo"),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                models = httpx.get(f"http://127.0.0.1:{port}/api/v1/models", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    _, err = proc.communicate(timeout=5)
                    pytest.fail(f"demo server did not come up: {err[-2000:]}")
                time.sleep(0.3)
        assert [m["name"] for m in models.json()["items"]] == ["breast-cancer"]
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
