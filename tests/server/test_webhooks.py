"""Webhooks: signed deliveries, retries with backoff on 5xx, the delivery log, replay."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cairn.errors import SignatureMismatch
from cairn.governance import signing
from cairn.remote import RemoteRegistry

from .conftest import Api


class Receiver:
    """An HTTP receiver on loopback that fails the first ``fail`` requests with 503."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.seen: list[tuple[dict[str, str], bytes, int]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 503 if owner.fail > 0 else 200
                owner.fail -= 1
                owner.seen.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b, status in self.seen if status == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[[int], Receiver]]:
    made: list[Receiver] = []

    def make(fail: int = 0) -> Receiver:
        made.append(Receiver(fail))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_deliveries_are_signed_retried_logged_and_replayable(
    make_api: Callable[..., Api], receiver: Callable[[int], Receiver], artifact: Path
) -> None:
    api = make_api(webhooks=True)
    hook = receiver(2)
    headers = api.as_(api.admin_token)
    made = api.client.post(
        "/api/v1/webhooks", headers=headers, json={"url": hook.url, "actions": ["alias.*"]}
    ).json()
    secret, hook_id = made["secret"], made["webhook"]["id"]
    assert secret.startswith("whsec_")

    remote = RemoteRegistry("http://testserver", token=api.admin_token, client=api.client)
    remote.log(artifact, model="m")
    remote.set_alias("m", "production", 1)
    _wait(lambda: len(hook.delivered()) == 1)

    # Two 503s, then success: three attempts at the same event, same webhook-id.
    assert [status for _, _, status in hook.seen] == [503, 503, 200]
    ids = {h["webhook-id"] for h, _, _ in hook.seen}
    assert len(ids) == 1
    head, body = hook.delivered()[0]
    signing.verify(secret, head, body)
    with pytest.raises(SignatureMismatch):
        signing.verify(secret, head, body + b" ")
    with pytest.raises(SignatureMismatch):
        signing.verify(signing.new_secret(), head, body)
    import json

    payload = json.loads(body)
    assert payload["type"] == "alias.set" and payload["data"]["subject"] == "m@production"

    log = api.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).json()
    assert [(d["attempt"], d["ok"], d["status"]) for d in reversed(log)] == [
        (1, False, 503),
        (2, False, 503),
        (3, True, 200),
    ]
    # version.create was filtered out; replay from the first event sends alias.set again.
    seq = payload["data"]["seq"]
    api.client.post(f"/api/v1/webhooks/{hook_id}/replay", headers=headers, json={"from_seq": 1})
    _wait(lambda: len(hook.delivered()) == 2)
    again = json.loads(hook.delivered()[1][1])
    assert again["data"]["seq"] == seq
    assert hook.delivered()[1][0]["webhook-id"] == head["webhook-id"]


def test_a_dead_receiver_is_given_up_after_the_attempts(
    make_api: Callable[..., Api],
    receiver: Callable[[int], Receiver],
    artifact: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAIRN_WEBHOOK_ATTEMPTS", "3")
    api = make_api(webhooks=True)
    hook = receiver(100)
    headers = api.as_(api.admin_token)
    hook_id = api.client.post("/api/v1/webhooks", headers=headers, json={"url": hook.url}).json()[
        "webhook"
    ]["id"]
    RemoteRegistry("http://testserver", token=api.admin_token, client=api.client).log(
        artifact, model="m"
    )

    def given_up() -> bool:
        info = api.client.get(f"/api/v1/webhooks/{hook_id}", headers=headers).json()
        return bool(info["cursor"] > 0 and len(hook.seen) >= 3)

    _wait(given_up)
    log = api.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).json()
    assert [d["attempt"] for d in reversed(log)][:3] == [1, 2, 3]
    assert not any(d["ok"] for d in log)
