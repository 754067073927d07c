"""The relay: delivers the outbox to subscribers as Standard Webhooks, nothing lost, in order.

- Every replica runs one; ``FOR UPDATE SKIP LOCKED`` shares the work without sending twice.
- Per subscriber and aggregate, an event is sent only after every earlier one was delivered.
- A failure is retried with exponential backoff and jitter; after ``max_attempts`` the
  delivery is marked failed (it still blocks later events of its aggregate) until replayed.
- Every attempt is logged in ``delivery_attempts``.
- ``NOTIFY`` on the outbox channel wakes the relay at once; a poll every few seconds stays
  the source of truth.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import asyncpg
import httpx
import msgspec
import structlog

from . import webhooks
from .errors import NotFound
from .outbox import event_of
from .schemas import Outbound

log = structlog.get_logger("kring.relay")

_DUE = """
    SELECT d.id, d.attempts, s.name AS subscriber, s.url, s.secret,
           e.id AS event_id, e.type, e.org_id, e.aggregate_id, e.payload, e.correlation_id,
           e.occurred_at
    FROM deliveries d
    JOIN subscribers s ON s.id = d.subscriber_id AND s.active
    JOIN outbox e ON e.position = d.event_position
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
      AND NOT EXISTS (
          SELECT 1 FROM deliveries earlier
          WHERE earlier.subscriber_id = d.subscriber_id AND earlier.aggregate_id = d.aggregate_id
            AND earlier.status <> 'delivered' AND earlier.event_position < d.event_position)
    ORDER BY d.event_position
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
"""


class Delivery(Outbound, frozen=True):
    id: uuid.UUID
    subscriber: str
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class Subscriber(msgspec.Struct, frozen=True, kw_only=True):
    """An internal subscriber from configuration (every tenant's events of ``types``)."""

    name: str
    url: str
    secret: str
    types: list[str]


def backoff(attempts: int, *, base: float = 1.0, cap: float = 600.0) -> float:
    """Seconds before the next attempt: exponential, capped, with full jitter in [50%, 100%]."""
    delay = min(cap, base * 2.0 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.0)


async def sync_subscribers(conn: asyncpg.Connection, subscribers: Sequence[Subscriber]) -> None:
    """Make the configured internal subscribers the active ones of their names."""
    for subscriber in subscribers:
        await conn.execute(
            """
            INSERT INTO subscribers (id, name, org_id, url, secret, types)
            VALUES ($1, $2, NULL, $3, $4, $5)
            ON CONFLICT (name) DO UPDATE
            SET url = EXCLUDED.url, secret = EXCLUDED.secret, types = EXCLUDED.types, status = 'active'
            """,
            uuid.uuid4(),
            subscriber.name,
            subscriber.url,
            subscriber.secret,
            subscriber.types,
        )


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        channel: str,
        client: httpx.AsyncClient,
        batch: int = 100,
        poll_seconds: float = 2.0,
        max_attempts: int = 15,
        base_delay: float = 1.0,
    ) -> None:
        self.pool = pool
        self.channel = channel
        self.client = client
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Deliver until cancelled."""
        listener = await self.pool.acquire()
        try:
            await listener.add_listener(self.channel, self._notified)
            while True:
                try:
                    sent = await self.deliver_due()
                except Exception as exc:  # the relay must outlive any one batch
                    log.warning("relay_error", error=f"{type(exc).__name__}: {exc}")
                    sent = 0
                if sent:
                    continue
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                except TimeoutError:
                    pass
        finally:
            await listener.remove_listener(self.channel, self._notified)
            await self.pool.release(listener)

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    async def deliver_due(self) -> int:
        """Send one batch of due deliveries; the number attempted."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_DUE, self.batch)
            if not rows:
                return 0
            outcomes = await asyncio.gather(*(self._send(row) for row in rows))
            await conn.executemany(
                """
                INSERT INTO delivery_attempts (delivery_id, duration_ms, status_code, error)
                VALUES ($1, $2, $3, $4)
                """,
                [
                    (row["id"], ms, status, error)
                    for row, (ms, status, error) in zip(rows, outcomes, strict=True)
                ],
            )
            await conn.executemany(
                """
                UPDATE deliveries
                SET attempts = attempts + 1,
                    status = CASE WHEN $2 THEN 'delivered'
                                  WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END,
                    delivered_at = CASE WHEN $2 THEN now() END,
                    next_attempt_at = now() + make_interval(secs => $4),
                    last_error = $5
                WHERE id = $1
                """,
                [
                    (
                        row["id"],
                        status is not None and 200 <= status < 300,
                        self.max_attempts,
                        backoff(row["attempts"] + 1, base=self.base_delay),
                        error,
                    )
                    for row, (_, status, error) in zip(rows, outcomes, strict=True)
                ],
            )
            return len(rows)

    async def _send(self, row: asyncpg.Record) -> tuple[int, int | None, str | None]:
        event = event_of(row, id_column="event_id")
        body = msgspec.json.encode(event)
        headers = webhooks.headers(row["secret"], message_id=str(event.id), body=body)
        if event.correlation_id:
            headers["x-request-id"] = event.correlation_id
        started = time.perf_counter()
        try:
            response = await self.client.post(row["url"], content=body, headers=headers)
        except Exception as exc:  # httpx's errors, and its transport's own
            # (anyio raises AttributeError on a connection the peer reset as it opened)
            error = f"{type(exc).__name__}: {exc}"
            log.info(
                "delivery_failed", subscriber=row["subscriber"], event_id=str(event.id), error=error
            )
            return round((time.perf_counter() - started) * 1000), None, error
        ms = round((time.perf_counter() - started) * 1000)
        if 200 <= response.status_code < 300:
            return ms, response.status_code, None
        error = response.text[:500]
        log.info(
            "delivery_refused",
            subscriber=row["subscriber"],
            event_id=str(event.id),
            status=response.status_code,
            correlation_id=event.correlation_id,
        )
        return ms, response.status_code, error


async def replay(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> bool:
    """Send a delivery again (failed, or delivered and wanted once more)."""
    status = await conn.execute(
        """
        UPDATE deliveries SET status = 'pending', next_attempt_at = now(), attempts = 0
        WHERE id = $1
        """,
        delivery_id,
    )
    return bool(status != "UPDATE 0")


_DELIVERIES = """
    SELECT d.id, s.name AS subscriber, e.id AS event_id, e.type AS event_type, d.status,
           d.attempts, d.next_attempt_at, d.delivered_at, d.last_error
    FROM deliveries d
    JOIN outbox e ON e.position = d.event_position
    JOIN subscribers s ON s.id = d.subscriber_id
    WHERE e.org_id = $1
"""


async def deliveries(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, status: str | None, limit: int
) -> list[Delivery]:
    """The delivery log of one tenant's events, the most recent first."""
    rows = await conn.fetch(
        _DELIVERIES
        + " AND ($2::text IS NULL OR d.status = $2) ORDER BY d.event_position DESC LIMIT $3",
        org_id,
        status,
        limit,
    )
    return [Delivery(**dict(row)) for row in rows]


async def delivery(conn: asyncpg.Connection, org_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
    """One delivery of one tenant's events; another tenant's is not found."""
    row = await conn.fetchrow(_DELIVERIES + " AND d.id = $2", org_id, delivery_id)
    if row is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return Delivery(**dict(row))
