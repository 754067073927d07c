"""The transactional outbox, its delivery queue, the event feed and the consumer's inbox.

A state change and its event commit together: :func:`emit` inserts the event and
one delivery per matching subscriber in the caller's transaction, in one round
trip. The relay (``kit.relay``) sends deliveries; consumers record each event id
in their inbox in the transaction that applies it (:func:`first_time`).

Feed order: ``position`` comes from a sequence, so a transaction that started
earlier may commit a lower position later. The feed therefore orders by
``(txid, position)`` and shows only transactions older than every one still in
flight (``pg_snapshot_xmin``), so a reader's cursor never skips an event.

These tables serve every tenant (the relay reads across them); they carry
``org_id`` and every tenant-facing read filters on it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from .errors import FieldError, InvalidInput
from .ids import uuid7
from .request_context import current_request_id


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """What subscribers receive and the feed lists: one envelope for every event of every
    service (the Standard Webhooks body), versioned by ``type`` (ADR 0062)."""

    id: uuid.UUID
    type: str
    timestamp: datetime
    org_id: uuid.UUID
    aggregate_id: uuid.UUID
    correlation_id: str | None
    data: dict[str, Any]


async def emit(
    conn: asyncpg.Connection,
    *,
    org_id: uuid.UUID,
    type: str,
    aggregate_id: uuid.UUID,
    payload: Any,
    channel: str,
) -> uuid.UUID:
    """Record an event and its deliveries in the caller's transaction; wake the relay on commit."""
    event_id = uuid7()
    await conn.execute(
        """
        WITH event AS (
            INSERT INTO outbox (id, org_id, type, aggregate_id, payload, correlation_id)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING position, org_id, type, aggregate_id
        ), woken AS (
            SELECT pg_notify($7, '')
        )
        INSERT INTO deliveries (id, subscriber_id, event_position, aggregate_id)
        SELECT gen_random_uuid(), s.id, event.position, event.aggregate_id
        FROM event CROSS JOIN woken
        JOIN subscribers s ON s.active AND event.type = ANY (s.types)
                          AND (s.org_id IS NULL OR s.org_id = event.org_id)
        """,
        event_id,
        org_id,
        type,
        aggregate_id,
        msgspec.to_builtins(payload),
        current_request_id(),
        channel,
    )
    return event_id


class FeedCursor(msgspec.Struct, frozen=True, array_like=True):
    txid: int
    position: int


FEED_CURSOR_PATTERN = r"^[0-9]{1,18}-[0-9]{1,18}$"
"""A feed cursor as the contract states it, whole: every string it admits is one (a
transaction id and a position, each below 2**63)."""


def encode_feed_cursor(cursor: FeedCursor) -> str:
    return f"{cursor.txid}-{cursor.position}"


def decode_feed_cursor(raw: str | None) -> FeedCursor:
    if not raw:
        return FeedCursor(txid=0, position=0)
    if not re.fullmatch(FEED_CURSOR_PATTERN, raw):
        raise InvalidInput(
            "The cursor is not one this feed issued.",
            errors=[FieldError(field="query.cursor", rule="format", message="not a feed cursor")],
        )
    txid, position = raw.split("-")
    return FeedCursor(txid=int(txid), position=int(position))


def event_of(row: asyncpg.Record, *, id_column: str = "id") -> Event:
    """An outbox row as its event (the event's id read from ``id_column``)."""
    return Event(
        id=row[id_column],
        type=row["type"],
        timestamp=row["occurred_at"],
        org_id=row["org_id"],
        aggregate_id=row["aggregate_id"],
        correlation_id=row["correlation_id"],
        data=row["payload"],
    )


_FEED = """
    SELECT position, txid::text::bigint AS txid, id, org_id, type, aggregate_id, payload,
           correlation_id, occurred_at
    FROM outbox
    WHERE org_id = $1
      AND (txid, position) > ($2::text::xid8, $3)
      AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY txid, position
    LIMIT $4
"""

FEED_SCANS = 10
"""How many times ``limit`` rows one page of a scoped feed reads at most, looking for events
its reader may see: a reader who sees few of them gets short pages, never a slow one."""


async def feed(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    after: FeedCursor,
    limit: int,
    scope: Callable[[Event], Event | None] | None = None,
) -> tuple[list[Event], FeedCursor]:
    """Events of one tenant after ``after``, oldest first, and the cursor to continue from.

    ``scope`` is what the reader may see of an event (``None``: nothing). The cursor moves past
    every event read, shown or not, so a page may hold fewer than ``limit`` events (none, even)
    while more follow; it comes back unchanged only when nothing new was committed."""
    items: list[Event] = []
    cursor = after
    for _ in range(FEED_SCANS):
        rows = await conn.fetch(_FEED, org_id, str(cursor.txid), cursor.position, limit)
        for row in rows:
            cursor = FeedCursor(txid=row["txid"], position=row["position"])
            seen = event_of(row) if scope is None else scope(event_of(row))
            if seen is not None:
                items.append(seen)
                if len(items) == limit:
                    return items, cursor
        if len(rows) < limit:
            break
    return items, cursor


async def first_time(
    conn: asyncpg.Connection, *, source: str, event_id: uuid.UUID, type: str
) -> bool:
    """Record an incoming event id; False when it was recorded before (a redelivery)."""
    inserted = await conn.fetchval(
        """
        INSERT INTO inbox (source, event_id, type) VALUES ($1, $2, $3)
        ON CONFLICT DO NOTHING RETURNING true
        """,
        source,
        event_id,
        type,
    )
    return bool(inserted)
