"""A real uvicorn server on loopback: transfer, resumed uploads, the event stream, the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import cairn
from cairn.registry import Registry
from cairn.remote import RemoteRegistry

from .conftest import LiveServer
from .proxy import Proxy


def _model(root: Path, size: int = 6_000_000, seed: int = 1) -> Path:
    import random

    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    (root / "weights.bin").write_bytes(rng.randbytes(size))
    (root / "config.json").write_text('{"layers": 3}')
    return root


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_log_get_and_dedup_over_the_wire(live: tuple[LiveServer, str], tmp_path: Path) -> None:
    server, token = live
    proxy = Proxy(_port(server.url))
    folder = _model(tmp_path / "m")
    with RemoteRegistry(proxy.url, token=token, cache=tmp_path / "cache-a") as remote:
        v1 = remote.log(folder, model="m", metrics={"auc": 0.9})
        first = proxy.sent
        assert first > 6_000_000
        data = bytearray((folder / "weights.bin").read_bytes())
        data[3_000_000:3_000_100] = b"z" * 100
        (folder / "weights.bin").write_bytes(bytes(data))
        before = proxy.sent
        v2 = remote.log(folder, model="m", parents=["m/1"])
        assert proxy.sent - before < 600_000  # one changed chunk or two, not the file
        assert v2.number == v1.number + 1
    # A new client with an empty cache downloads everything once, then nothing.
    with RemoteRegistry(proxy.url, token=token, cache=tmp_path / "cache-b") as other:
        before = proxy.received
        other.get("m/2", tmp_path / "out")
        assert (tmp_path / "out" / "weights.bin").read_bytes() == bytes(data)
        assert proxy.received - before > 6_000_000
        before = proxy.received
        other.get("m/1", tmp_path / "out1")
        assert proxy.received - before < 600_000
    proxy.close()


def test_upload_resumes_after_a_killed_connection(
    live: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, token = live
    proxy = Proxy(_port(server.url), cut_after=20_000_000)
    folder = _model(tmp_path / "big", size=40_000_000, seed=2)
    with RemoteRegistry(proxy.url, token=token, cache=tmp_path / "cache") as remote:
        v = remote.log(folder, model="big")
    assert proxy.cuts == 1
    # Batches that reached the server before the cut were not sent again.
    assert proxy.sent < 40_000_000 + 20_000_000
    with RemoteRegistry(server.url, token=token, cache=tmp_path / "cache2") as check:
        check.get(v.ref, tmp_path / "out")
    assert (tmp_path / "out" / "weights.bin").read_bytes() == (folder / "weights.bin").read_bytes()
    proxy.close()


def test_download_resumes_after_a_killed_connection(
    live: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, token = live
    folder = _model(tmp_path / "big", size=30_000_000, seed=3)
    with RemoteRegistry(server.url, token=token, cache=tmp_path / "cache") as remote:
        remote.log(folder, model="big")
    proxy = Proxy(_port(server.url))
    with RemoteRegistry(proxy.url, token=token, cache=tmp_path / "cache2") as remote:
        original = remote.session.client.stream
        calls = {"n": 0}

        def flaky(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                import httpx

                raise httpx.ReadError("connection dropped")
            return original(*args, **kwargs)  # type: ignore[arg-type]

        remote.session.client.stream = flaky  # type: ignore[method-assign]
        remote.get("big/1", tmp_path / "out")
    assert (tmp_path / "out" / "weights.bin").read_bytes() == (folder / "weights.bin").read_bytes()
    assert proxy.received < 30_000_000 * 1.2


def test_event_stream_follows_alias_moves_and_resumes(
    live: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, token = live
    folder = _model(tmp_path / "m", size=1000)
    with RemoteRegistry(server.url, token=token, cache=tmp_path / "c") as remote:
        remote.log(folder, model="m")
        remote.set_alias("m", "production", 1)
        stream = remote.follow(after=0, model="m")
        first = []
        for event in stream:
            first.append(event)
            if event.action == "alias.set":
                break
        assert [e.seq for e in first] == sorted(e.seq for e in first)
        assert "version.create" in [e.action for e in first]
        (folder / "config.json").write_text("{}")
        remote.log(folder, model="m")
        remote.set_alias("m", "production", 2)
        seen = []
        for event in stream:
            seen.append(event)
            if event.action == "alias.set":
                break
        assert seen[-1].after is not None and seen[-1].subject == "m@production"
        # Resuming from a seq replays from there, nothing lost.
        again = remote.follow(after=first[-1].seq, model="m")
        assert next(again).seq > first[-1].seq


def test_cli_works_unchanged_against_the_server(
    live: tuple[LiveServer, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    server, token = live
    folder = _model(tmp_path / "m", size=10_000)
    env = {**os.environ, "CAIRN_REGISTRY": server.url, "CAIRN_TOKEN": token}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cairn", *args], env=env, capture_output=True, text=True
        )

    assert cli("log", str(folder), "--model", "cli-model").returncode == 0, cli("--help").stderr
    assert cli("alias", "set", "cli-model/1", "production").returncode == 0
    shown = cli("show", "cli-model@production", "--json")
    assert shown.returncode == 0, shown.stderr
    missing = cli("show", "nope/1")
    assert missing.returncode == 3 and "Traceback" not in missing.stderr


def test_push_from_a_local_registry_sends_only_missing_chunks(
    live: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, token = live
    local = cairn.open(tmp_path / "local")
    assert isinstance(local, Registry)
    folder = _model(tmp_path / "m", size=8_000_000, seed=4)
    local.log(folder, model="m")
    proxy = Proxy(_port(server.url))
    with RemoteRegistry(proxy.url, token=token, cache=tmp_path / "c") as remote:
        _, stats = local.push("m/1", remote)
        assert stats.bytes_sent >= 8_000_000
        data = bytearray((folder / "weights.bin").read_bytes())
        data[100:200] = b"q" * 100
        (folder / "weights.bin").write_bytes(bytes(data))
        local.log(folder, model="m")
        before = proxy.sent
        pushed, stats = local.push("m/2", remote)
        assert proxy.sent - before < 0.1 * 8_000_000
        assert stats.bytes_skipped > 7_000_000
        # And back: pull into a fresh local registry.
        fresh = cairn.open(tmp_path / "fresh")
        assert isinstance(fresh, Registry)
        got, _ = fresh.pull(pushed.ref, remote)
        assert got.digest == pushed.digest
        fresh.close()
    local.close()
    proxy.close()
