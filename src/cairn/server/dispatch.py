"""The webhook dispatcher: a background thread that drains each webhook's outbox cursor.

Events are delivered in order per webhook, signed (Standard Webhooks), and retried with
exponential backoff on 5xx, 408, 429, timeouts and connection errors; other 4xx answers and
exhausted retries give up on that event. Every attempt goes to the delivery log.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid

import httpx

from cairn.catalog import Catalog
from cairn.catalog.records import Event
from cairn.governance.signing import signed_headers
from cairn.governance.webhooks import WebhookInfo, Webhooks, matches
from cairn.settings import Settings

__all__ = ["Dispatcher", "event_payload"]

log = logging.getLogger("cairn.server.webhooks")
_LEASE_MS = 60_000
_RETRY_STATUS = {408, 425, 429}


def event_payload(event: Event) -> bytes:
    return json.dumps(
        {
            "type": event.action,
            "timestamp": event.time.isoformat(),
            "data": event.model_dump(mode="json"),
        },
        separators=(",", ":"),
    ).encode()


class Dispatcher:
    def __init__(self, catalog: Catalog, webhooks: Webhooks, settings: Settings) -> None:
        self.catalog = catalog
        self.webhooks = webhooks
        self.settings = settings
        self.owner = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cairn-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.webhook_timeout_seconds + 5)
        self._client.close()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("the webhook dispatcher failed; retrying")
            self._wake.wait(self.settings.webhook_poll_seconds)
            self._wake.clear()

    def tick(self) -> None:
        """One pass over every webhook that is due."""
        for hook in self.webhooks.due(self.owner):
            if self._stop.is_set():
                return
            if not self.webhooks.claim(hook.id, self.owner, _LEASE_MS):
                continue
            try:
                self._drain(hook)
            finally:
                self.webhooks.release(hook.id, self.owner)

    def _drain(self, hook: WebhookInfo) -> None:
        secret = self.webhooks.secret(hook.id)
        cursor, attempts = hook.cursor, hook.attempts
        while not self._stop.is_set():
            events = self.catalog.events(after=cursor, limit=100)
            if not events:
                return
            for event in events:
                if not matches(hook, event.action, event.subject):
                    cursor = event.seq
                    continue
                self.webhooks.claim(hook.id, self.owner, _LEASE_MS)  # renew the lease
                ok, retry = self._deliver(hook, secret, event, attempts + 1)
                if ok or not retry or attempts + 1 >= self.settings.webhook_attempts:
                    self.webhooks.advance(hook.id, self.owner, event.seq)
                    cursor, attempts = event.seq, 0
                    continue
                attempts += 1
                self.webhooks.advance(hook.id, self.owner, cursor)
                delay = self.settings.webhook_backoff_seconds * 2 ** (attempts - 1)
                self.webhooks.retry_later(hook.id, self.owner, attempts, int(delay * 1000))
                return
            self.webhooks.advance(hook.id, self.owner, cursor)

    def _deliver(
        self, hook: WebhookInfo, secret: str, event: Event, attempt: int
    ) -> tuple[bool, bool]:
        """Send one event; (delivered, worth retrying)."""
        body = event_payload(event)
        msg_id = f"msg_{event.seq}_{event.hash[:16]}"
        headers = signed_headers(secret, msg_id, body)
        headers["user-agent"] = "cairn-webhooks"
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            answer = self._client.post(hook.url, content=body, headers=headers)
            status = answer.status_code
            ok = 200 <= status < 300
            retry = status >= 500 or status in _RETRY_STATUS
            if not ok:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            ok, retry, error = False, True, f"{type(exc).__name__}: {exc}"
        duration = int((time.perf_counter() - started) * 1000)
        self.webhooks.record(
            hook.id, event.seq, attempt, status=status, ok=ok, error=error, duration_ms=duration
        )
        if not ok:
            log.info(
                "webhook %s: event %s attempt %s failed: %s", hook.id, event.seq, attempt, error
            )
        return ok, retry
