"""Serving tests run the real ``cairn serve`` (CLI + uvicorn) on loopback against a real
registry holding real scikit-learn models."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

import cairn

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "count"]


def make_data(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=COLUMNS[:4])
    X["count"] = rng.integers(0, 10, size=n).astype("int64")
    y = ((X["sepal_length"] + X["petal_width"] * 2 - X["count"] / 5) > 0).astype("int64")
    return X, y.to_numpy()


@dataclass
class Fixture:
    """A registry with model ``iris``: 1 = logistic regression, 2 = decision tree (answers
    differ on some rows), 3 = a broken artifact. ``production`` -> 1, ``staging`` -> 2."""

    path: Path
    rows: list[dict[str, float | int]]
    expected: dict[int, list[int]]  # version -> predictions of ``rows``


def _log_broken(reg: cairn.Registry, tmp: Path) -> None:
    good = reg.resolve("iris/1")
    broken = tmp / "broken"
    broken.mkdir()
    (broken / "model.skops").write_bytes(b"this is not a model")
    meta = dict(good.meta)
    meta["input_example"] = None
    meta.pop("environment", None)
    meta.pop("requirements", None)
    reg.log(broken, model="iris", flavor="sklearn", meta=meta)


@pytest.fixture(scope="session")
def model_registry(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    root = tmp_path_factory.mktemp("serving")
    X, y = make_data()
    reg = cairn.open(root / "registry")
    assert isinstance(reg, cairn.Registry)
    reg.actor = "tester"
    try:
        lr = LogisticRegression(max_iter=500).fit(X, y)
        tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, 1 - y)
        reg.log_model(lr, name="iris", input_example=X.head(5))
        reg.log_model(tree, name="iris", input_example=X.head(5))
        _log_broken(reg, root)
        reg.set_alias("iris", "production", 1)
        reg.set_alias("iris", "staging", 2)
        probe = X.head(20)
        expected = {1: lr.predict(probe).tolist(), 2: tree.predict(probe).tolist()}
        assert expected[1] != expected[2]
        rows = [
            {k: (int(v) if k == "count" else float(v)) for k, v in r.items()}
            for r in probe.to_dict(orient="records")
        ]
    finally:
        reg.close()
    return Fixture(root / "registry", rows, expected)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self, check: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited while waiting for {what}:\n{self.output()}")
            try:
                if check():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()[-3000:]}")

    def wait_ready(self) -> None:
        with self.client() as c:
            self.wait(lambda: c.get("/v2/health/ready").status_code == 200, "readiness")

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture(scope="session")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """``launch(registry, *cli_args)``: start ``cairn serve`` on a free port (killed at the end
    of the session if a test did not stop it)."""
    servers: list[Server] = []
    logs = tmp_path_factory.mktemp("server-logs")

    def start(registry: Path, *args: str, ready: bool = True) -> Server:
        port = free_port()
        log = logs / f"server-{port}.log"
        env = {**os.environ, "CAIRN_USER": "server", "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "cairn", "--registry", str(registry), "serve", *args]
        cmd += ["--port", str(port)]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        servers.append(server)
        with server.client() as c:
            server.wait(lambda: c.get("/v2/health/live").status_code == 200, "liveness")
        if ready:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
