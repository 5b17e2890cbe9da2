"""Canary split (random and sticky) and shadow traffic with its promotion evidence."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import cairn


def test_canary_split_and_sticky_routing(model_registry: Any, launch: Callable[..., Any]) -> None:
    server = launch(model_registry.path, "iris@production", "--canary", "iris/2:30")
    rows = model_registry.rows[:3]
    with server.client() as c:
        assert c.get("/cairn/status").json()["ready"] is True
        seen: Counter[int] = Counter()
        n = 600
        for _ in range(n):
            body = c.post("/predict", json=rows).json()
            assert body["predictions"] == model_registry.expected[body["version"]][:3]
            seen[body["version"]] += 1
        # 30% +- 6 points: a binomial(600, 0.3) lands outside with probability ~1e-3
        assert 0.24 * n <= seen[2] <= 0.36 * n, seen
        # sticky: one key always lands on the same side; keys spread over both
        sides = {}
        for _ in range(40):
            key = uuid.uuid4().hex
            versions = {
                c.post("/predict", json=rows, headers={"x-cairn-route-key": key}).json()["version"]
                for _ in range(5)
            }
            assert len(versions) == 1, (key, versions)
            sides[key] = versions.pop()
        assert set(sides.values()) == {1, 2}
        # OIP: model_version names the canary when it answered
        oip = Counter(
            c.post(
                "/v2/models/iris/infer",
                json={"inputs": [{"name": "m", "shape": [1, 5], "datatype": "FP64",
                                  "data": [1, 2, 3, 4, 5]}]},
            ).json()["model_version"]
            for _ in range(60)
        )  # fmt: skip
        assert set(oip) == {"1", "2"}
    assert server.stop() in (0, -15)


def test_shadow_records_agreement_and_latency(
    model_registry: Any, launch: Callable[..., Any]
) -> None:
    server = launch(model_registry.path, "iris@production", "--shadow", "iris@staging")
    rows = model_registry.rows
    expected = model_registry.expected
    agree = sum(a == b for a, b in zip(expected[1], expected[2], strict=True)) / len(rows)
    with server.client() as c:
        for _ in range(50):
            body = c.post("/predict", json=rows).json()
            assert body["version"] == 1  # the shadow never answers
            assert body["predictions"] == expected[1]
        server.wait(
            lambda: c.get("/cairn/shadow").json()["shadows"][0]["requests"] == 50, "mirroring"
        )
        (stats,) = c.get("/cairn/shadow").json()["shadows"]
        assert stats["model"] == "iris" and stats["shadow_version"] == "2"
        assert stats["baseline"] == "1"
        assert stats["rows"] == 50 * len(rows)
        assert abs(stats["agreement_rate"] - agree) < 1e-9
        assert isinstance(stats["latency_difference_ms"], float)
        assert stats["errors"] == 0
    assert server.stop() in (0, -15)
    # promotion evidence: recorded on the shadow version in the registry at shutdown
    reg = cairn.open(model_registry.path)
    tags = reg.resolve("iris/2").tags
    assert tags["shadow.baseline"] == "iris/1"
    assert tags["shadow.requests"] == "50"
    assert abs(float(tags["shadow.agreement"]) - agree) < 1e-6
    assert "shadow.latency_diff_ms" in tags
    events = reg.events(action="version.update", limit=100)
    assert any(e.subject == "iris/2" for e in events), [e.action for e in events]
    reg.close()
