"""Hot swap: the alias moves under steady concurrent load, and no request fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

import cairn


def _status(server: Any) -> dict[str, Any]:
    with server.client() as c:
        slots: dict[str, Any] = c.get("/cairn/status").json()["slots"][0]
        return slots


def test_ten_alias_moves_under_load_fail_no_request(
    model_registry: Any, launch: Callable[..., Any]
) -> None:
    reg = cairn.open(model_registry.path)
    reg.set_alias("iris", "swap", 1)
    server = launch(model_registry.path, "iris@swap", "--poll-interval", "0.1")
    stop = threading.Event()
    results: list[tuple[int, int | None, bool]] = []  # status, version, answer right?
    lock = threading.Lock()
    rows = model_registry.rows

    def load() -> None:
        with server.client() as c:
            while not stop.is_set():
                try:
                    r = c.post("/predict", json=rows)
                except httpx.HTTPError:
                    with lock:
                        results.append((-1, None, False))
                    continue
                body = r.json() if r.status_code == 200 else {}
                version = body.get("version")
                right = (
                    version is not None and body["predictions"] == model_registry.expected[version]
                )
                with lock:
                    results.append((r.status_code, version, right))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(10):
            if i % 2 == 0:
                reg.set_alias("iris", "swap", 2, reason="forward")
                target = 2
            else:
                reg.rollback("iris@swap")
                target = 1
            server.wait(lambda t=target: _status(server)["serving_version"] == t, f"swap to {t}")
            seen = len(results)
            server.wait(lambda s=seen: len(results) >= s + 20, "requests after the swap")
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    failed = [r for r in results if r[0] != 200]
    assert not failed, failed[:5]
    assert all(right for _, _, right in results), "a response named a version that did not answer"
    assert {v for _, v, _ in results} == {1, 2}
    assert len(results) >= 200
    history = reg.alias_history("iris@swap")
    assert len(history) >= 11

    with server.client() as c:
        metrics = c.get("/metrics").text
        assert 'cairn_model_swaps_total{alias="swap",model="iris"} 10.0' in metrics

        # a version that fails to load is not switched to; the old one keeps serving
        reg.set_alias("iris", "swap", 3)
        server.wait(lambda: "3" in _status(server)["failed_versions"], "the failed load")
        ready = c.get("/v2/health/ready")
        assert ready.status_code == 400
        assert "iris/3 failed to load" in ready.json()["error"]
        r = c.post("/predict", json=rows)
        assert r.status_code == 200 and r.json()["version"] == 1
        assert "not switching iris@swap to iris/3" in server.output()

        reg.set_alias("iris", "swap", 2)
        server.wait(lambda: c.get("/v2/health/ready").status_code == 200, "ready again")
        assert c.post("/predict", json=rows).json()["version"] == 2

        # the alias is deleted: 503 with the reason, and the server stays up
        reg.delete_alias("iris@swap")
        server.wait(lambda: _status(server)["serving_version"] is None, "the stop")
        r = c.post("/predict", json=rows)
        assert r.status_code == 503
        assert "iris@swap was deleted" in r.json()["error"]
        r = c.post("/v2/models/iris/infer", json={"inputs": []})
        assert r.status_code in (400, 503)
        assert c.get("/v2/health/live").status_code == 200
        assert c.get("/v2/models/iris/ready").status_code == 400
    reg.close()
    assert server.stop() in (0, -15)  # uvicorn re-raises SIGTERM after a graceful stop
    assert "stopped; prediction log flushed" in server.output()
