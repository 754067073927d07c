"""``Idempotency-Key`` on POST, with Stripe's semantics.

The first answer to a key is stored, per tenant, for :data:`TTL`, in the transaction of its
effect, and a request with the same key gets it again with ``Idempotent-Replayed: true``. The
key is claimed at the start of that transaction (``INSERT … ON CONFLICT DO NOTHING`` on the
tenant and the key's hash): a concurrent request with the same key waits on the claim, then
reads the answer the first one committed. A key sent with another method, path, query or body
(its *fingerprint*) is a 422 naming ``header.Idempotency-Key``. Answers below 500 are stored,
except 401, 403 and 429, which speak of the caller rather than the request; a 4xx undoes the
request's effects (``ROLLBACK TO SAVEPOINT``) and keeps the claim, so every retry gets it. A 5xx
rolls the claim back with everything else: the retry runs again. A refusal that records itself
(``errors.recording``: an announcement of what was refused) keeps that record either way.
Expired keys of the tenant are swept a few at a time by the claims themselves.
"""

from __future__ import annotations

import hashlib
import uuid

import asyncpg
import msgspec

from .errors import FieldError, InvalidInput, RuleViolation

HEADER = b"idempotency-key"
TTL = "24 hours"
MAX_LENGTH = 255
NOT_STORED = frozenset({401, 403, 429})
"""Answers that speak of the caller (credentials, roles, rate) and are never stored."""
STORED_HEADERS = frozenset({b"content-type", b"location", b"etag"})
SWEEP = 20
"""Expired keys a claim removes besides its own: enough to keep up with the claims."""
REPLAYED = (b"idempotent-replayed", b"true")
KEY_REUSED = "idempotency_key_reused"
"""The rule of the 422 for a key sent again with another request."""


class Stored(msgspec.Struct, frozen=True):
    fingerprint: bytes
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def digest_of(key: str) -> bytes:
    """The stored form of a key (its SHA-256), once it is known to be one: 1 to 255 printable
    ASCII characters."""
    if not 0 < len(key) <= MAX_LENGTH or not all(" " <= c <= "~" for c in key):
        message = f"an idempotency key is 1 to {MAX_LENGTH} printable ASCII characters"
        raise InvalidInput(
            f"header.Idempotency-Key: {message}.",
            errors=[FieldError(field="header.Idempotency-Key", rule="format", message=message)],
        )
    return hashlib.sha256(key.encode()).digest()


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> bytes:
    request = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        request.update(len(part).to_bytes(8, "big") + part)
    return request.digest()


def reused() -> RuleViolation:
    message = "this key was used for another request (method, path, query or body)"
    return RuleViolation(
        f"header.Idempotency-Key: {message}; send a new key for a new request.",
        errors=[FieldError(field="header.Idempotency-Key", rule=KEY_REUSED, message=message)],
    )


async def claim(conn: asyncpg.Connection, org_id: uuid.UUID, key: bytes, request: bytes) -> bool:
    """Claim ``key`` in the transaction (sweeping expired keys), and set the savepoint a refused
    request returns to; whether this transaction holds the claim. Hashes and the tenant are
    inlined (hex digits and a UUID), so the whole claim is one round trip."""
    org, k, f = uuid.UUID(str(org_id)), key.hex(), request.hex()
    expired = f"org_id = '{org}' AND created_at < now() - interval '{TTL}'"
    status = await conn.execute(
        f"DELETE FROM idempotency_keys WHERE {expired} AND (key = '\\x{k}' OR key IN"
        f" (SELECT key FROM idempotency_keys WHERE {expired} LIMIT {SWEEP}"
        " FOR UPDATE SKIP LOCKED));"
        f" INSERT INTO idempotency_keys (org_id, key, fingerprint)"
        f" VALUES ('{org}', '\\x{k}', '\\x{f}') ON CONFLICT DO NOTHING;"
        " SAVEPOINT idempotent;"
        f" SELECT 1 FROM idempotency_keys WHERE org_id = '{org}' AND key = '\\x{k}'"
        " AND status IS NULL"
    )
    return bool(status == "SELECT 1")


async def stored(conn: asyncpg.Connection, org_id: uuid.UUID, key: bytes) -> Stored:
    """The answer another request stored for ``key`` (committed, as the claim waited for it)."""
    row = await conn.fetchrow(
        "SELECT fingerprint, status, headers, body FROM idempotency_keys"
        " WHERE org_id = $1 AND key = $2",
        org_id,
        key,
    )
    assert row is not None and row["status"] is not None
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row["headers"]]
    return Stored(row["fingerprint"], row["status"], headers, row["body"])


async def store(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    key: bytes,
    *,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    recorded: bool = False,
) -> None:
    """Keep the answer with the claim; a refused request's effects are undone first, unless
    they are the refusal's own record (``errors.recording``)."""
    if status >= 400 and not recorded:
        await conn.execute("ROLLBACK TO SAVEPOINT idempotent")
    kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers if k in STORED_HEADERS]
    await conn.execute(
        "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5"
        " WHERE org_id = $1 AND key = $2",
        org_id,
        key,
        status,
        kept,
        body,
    )


async def release(conn: asyncpg.Connection, org_id: uuid.UUID, key: bytes) -> None:
    """Give up the claim of ``key`` in a transaction that commits without an answer to store
    (a recorded refusal that is a 5xx, or speaks of the caller): a retry runs again."""
    await conn.execute("DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2", org_id, key)
