"""Two ``cairn server`` processes on one PostgreSQL catalog and one S3 store (moto on
loopback) take concurrent writes from 8 clients: no lost or duplicated version, valid chain."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.governance.accounts import Accounts
from cairn.governance.tokens import server_secret
from cairn.registry import Registry
from cairn.remote import RemoteRegistry

from .conftest import SECRET, free_port, start_server
from .test_webhooks import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[str]:
    """moto_server on a loopback port, with a bucket."""
    port = free_port()
    log = (tmp_path / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(endpoint, timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    httpx.put(f"{endpoint}/cairn-test")
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


def test_two_servers_one_catalog_one_bucket(
    postgres_url: str, s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "CAIRN_S3_ENDPOINT": s3,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "CAIRN_STORE": "s3://cairn-test/registry",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reg = cairn.open(postgres_url, store=env["CAIRN_STORE"])
    assert isinstance(reg, Registry)
    accounts = Accounts(reg.catalog.engine, server_secret(SECRET, tmp_path))
    accounts.create_user("root", "root-password", admin=True)
    token, _ = accounts.create_token("root", scopes=["read", "write", "admin"])
    reg.close()

    servers = [
        start_server(
            postgres_url,
            tmp_path / f"server{i}.log",
            {**env, "CAIRN_HOME": str(tmp_path / f"h{i}")},
        )
        for i in range(2)
    ]
    hook = Receiver()
    admin = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        servers[0].url + "/api/v1/webhooks",
        headers=admin,
        json={"url": hook.url, "actions": ["version.create"]},
    )
    assert made.status_code == 201, made.text
    try:

        def client(i: int) -> list[int]:
            folder = tmp_path / f"model{i}"
            folder.mkdir()
            numbers = []
            url = servers[i % 2].url
            with RemoteRegistry(url, token=token, cache=tmp_path / f"cache{i}") as remote:
                for j in range(5):
                    (folder / "weights.bin").write_bytes(os.urandom(50_000) + bytes([i, j]))
                    numbers.append(
                        remote.log(folder, model="shared", tags={"client": str(i)}).number
                    )
            return numbers

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(client, range(8)))
        numbers = sorted(n for r in results for n in r)
        assert numbers == list(range(1, 41))
        with RemoteRegistry(servers[0].url, token=token, cache=tmp_path / "check") as remote:
            listed = []
            page = remote.versions("shared", limit=1000)
            listed = [v.number for v in page.items]
            assert sorted(listed) == list(range(1, 41))
            report = remote.verify_audit()
            assert report.ok and report.checked >= 41
            # Bytes written through one server are readable through the other.
            with RemoteRegistry(servers[1].url, token=token, cache=tmp_path / "other") as other:
                other.get("shared/1", tmp_path / "out")
        # Both servers run a dispatcher; the lease makes each event go out once.
        deadline = time.monotonic() + 60
        while len(hook.delivered()) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        ids = [h["webhook-id"] for h, _ in hook.delivered()]
        assert len(ids) == 40 and len(set(ids)) == 40
    finally:
        hook.close()
        for server in servers:
            server.stop()
