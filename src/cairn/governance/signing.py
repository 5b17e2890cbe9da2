"""Webhook signatures in the Standard Webhooks style (https://www.standardwebhooks.com).

Headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``, where
the signature is HMAC-SHA256 over ``"{id}.{timestamp}.{body}"`` keyed with the secret's bytes
(the part after ``whsec_``, base64-decoded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from cairn.errors import InvalidInput, SignatureMismatch

__all__ = ["new_secret", "sign", "signed_headers", "verify"]

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        raise InvalidInput(
            "a webhook secret is whsec_<base64>", "create one with new_secret()"
        ) from None


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, msg_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
        "content-type": "application/json",
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance: int = 300) -> None:
    """Check a delivery as a receiver would: SignatureMismatch unless it is authentic and fresh."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        offered = lower["webhook-signature"].split()
    except (KeyError, ValueError):
        raise SignatureMismatch("the webhook headers are missing or malformed") from None
    if abs(time.time() - timestamp) > tolerance:
        raise SignatureMismatch("the webhook timestamp is too old or in the future")
    expected = sign(secret, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, sig) for sig in offered):
        raise SignatureMismatch("the webhook signature does not match")
