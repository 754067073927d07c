"""Standard Webhooks: sign what we send, verify what we receive.

A message is signed as ``HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")``, sent in
``webhook-signature`` as ``v1,<base64>`` next to ``webhook-id`` and
``webhook-timestamp`` (Unix seconds). Secrets are ``whsec_<base64>``. A receiver
refuses a bad signature and a timestamp outside its tolerance (replays).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence

from .errors import FieldError, Unauthorized

PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secret: str,
    *,
    message_id: str,
    body: bytes,
    timestamp: int | None = None,
    also: Sequence[str] = (),
) -> dict[str, str]:
    """The headers of a signed message; ``also`` sign beside ``secret`` (a secret being
    rotated out), each signature separated by a space as Standard Webhooks allows."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signatures = [
        signature(key, message_id=message_id, timestamp=stamp, body=body) for key in (secret, *also)
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }


def verify(
    secrets_: list[str],
    received: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """The message id when a signature of one of ``secrets_`` matches and the timestamp is fresh.

    Several secrets are accepted so a secret can be rotated without losing messages.
    """
    message_id = received.get("webhook-id", "")
    stamp = received.get("webhook-timestamp", "")
    sent = received.get("webhook-signature", "")
    if not message_id or not stamp.isdigit() or not sent:
        raise Unauthorized(
            "A webhook needs webhook-id, webhook-timestamp and webhook-signature headers.",
            errors=[
                FieldError(field="header", rule="webhook_headers", message="missing or malformed")
            ],
        )
    timestamp = int(stamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise Unauthorized(
            "The webhook's timestamp is too far from now.",
            errors=[
                FieldError(
                    field="header.webhook-timestamp",
                    rule="webhook_timestamp",
                    message=f"more than {tolerance} seconds from now",
                )
            ],
        )
    candidates = [part for part in sent.split(" ") if part.startswith("v1,")]
    for secret in secrets_:
        expected = signature(secret, message_id=message_id, timestamp=timestamp, body=body)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return message_id
    raise Unauthorized(
        "The webhook's signature does not verify.",
        errors=[
            FieldError(
                field="header.webhook-signature", rule="webhook_signature", message="no match"
            )
        ],
    )
