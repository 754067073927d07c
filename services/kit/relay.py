"""The relay: delivers the outbox to subscribers as Standard Webhooks, nothing lost, in order,
and no receiver can make it wait for another.

- Every replica runs one. A short transaction claims due deliveries for a lease
  (``kit.leases``); the sends happen after it committed, outside any transaction, so neither
  other replicas nor the event feed's horizon ever wait on a receiver.
- Each subscriber has at most ``per_subscriber`` deliveries in flight: a hung receiver holds
  its own few and nobody else's. Per subscriber and aggregate, an event is sent only after every
  earlier one was delivered (or skipped), and never two at once.
- A send has one deadline, follows no redirect and reads a kilobyte of the answer at most
  (``kit.sending``). A tenant's URL is vetted again before each send and connected to at the
  addresses vetted (``kit.safeurl``: DNS can change).
- A failure is retried on a schedule (``kit.retries``). A tenant's, over about three days:
  after its last attempt, or at once on ``410 Gone``, the delivery is ``failed`` and the
  subscription disabled with a ``subscription.disabled`` event. An operator's subscriber
  (``KRING_WEBHOOK_SUBSCRIBERS``: another Kring service) is retried within seconds, then every
  5 minutes for as long as it takes; it is never disabled.
- ``NOTIFY`` on the outbox channel wakes the relay at once, over a ``LISTEN`` that comes back
  after the database restarts (``kit.listening``); a poll every few seconds stays the source
  of truth. Every attempt is logged in ``delivery_attempts``; metrics in ``kit.relay_metrics``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
import msgspec
import structlog

from . import leases, relay_metrics, retries, safeurl, sending
from .errors import NotFound
from .leases import Claim
from .listening import Listener
from .outbox import Event
from .schemas import Outbound
from .sending import Outcome
from .settings import Settings

log = structlog.get_logger("kring.relay")

Seen = Callable[[uuid.UUID, Any, Event], Event | None]
"""What a subscriber receives of an event, from the tenant's id, the subscription's reader
(``None`` for an operator's subscriber) and the event: the event, a reduced one, or ``None``
(never sent: the delivery is skipped)."""

WEBHOOKS: dict[str, type[msgspec.Struct]] = {leases.DISABLED: leases.SubscriptionDisabledData}
"""The events the relay itself sends: every producer's contract documents them."""

RECORD_SECONDS = 1.0
"""Of a lease, the time kept for recording the outcome after the send's deadline."""


class Delivery(Outbound, frozen=True):
    id: uuid.UUID
    subscriber: str
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed", "skipped"]
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


async def sync_subscribers(conn: asyncpg.Connection, subscribers: Sequence[Subscriber]) -> None:
    """Make the configured internal subscribers the active ones of their names."""
    for subscriber in subscribers:
        await conn.execute(
            """
            INSERT INTO subscribers (id, name, org_id, url, secret, types)
            VALUES ($1, $2, NULL, $3, $4, $5)
            ON CONFLICT (name) DO UPDATE
            SET url = EXCLUDED.url, secret = EXCLUDED.secret, types = EXCLUDED.types,
                status = 'active'
            """,
            uuid.uuid4(),
            subscriber.name,
            subscriber.url,
            subscriber.secret,
            subscriber.types,
        )


class RelayOptions(msgspec.Struct, frozen=True, kw_only=True):
    """The relay's timings and limits (``KRING_WEBHOOK_*``)."""

    retry_schedule: tuple[float, ...] = retries.DEFAULT_SCHEDULE
    operator_retry_schedule: tuple[float, ...] = retries.OPERATOR_SCHEDULE
    """An operator's subscriber's, its last delay repeating: it never fails for good."""
    timeout: float = 10.0
    """Seconds one send may take, answer included."""
    lease: float = 60.0
    """Seconds a claim holds; a send starts only while it can end with time to record it."""
    per_subscriber: int = 4
    poll_seconds: float = 2.0
    batch: int = 200
    """The most deliveries one claim takes, all subscribers together."""
    allow_loopback: bool = False

    def __post_init__(self) -> None:
        if self.lease < self.timeout + 2 * RECORD_SECONDS:
            raise ValueError("the lease must outlast a send's timeout by 2 s at least")
        if self.per_subscriber < 1 or self.batch < 1:
            raise ValueError("per_subscriber and batch must be at least 1")

    @classmethod
    def of(cls, settings: Settings) -> RelayOptions:
        return cls(
            retry_schedule=settings.webhook_retry_schedule,
            operator_retry_schedule=settings.webhook_operator_retry_schedule,
            timeout=settings.webhook_timeout_seconds,
            lease=settings.webhook_lease_seconds,
            per_subscriber=settings.webhook_concurrency,
            poll_seconds=settings.webhook_poll_seconds,
            allow_loopback=settings.webhook_allow_loopback,
        )


def replica_name() -> str:
    """This process's name as a lease owner: host, pid and a nonce (a pid can be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        channel: str,
        clients: sending.Clients,
        options: RelayOptions | None = None,
        seen: Seen | None = None,
        replica: str | None = None,
    ) -> None:
        self.pool = pool
        self.channel = channel
        self.clients = clients
        self.options = options or RelayOptions()
        self.seen = seen
        self.replica = replica or replica_name()
        self._wake = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()
        self.listener = Listener(pool, channel, self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled; then give back the leases not yet recorded."""
        helpers = [
            asyncio.create_task(self.listener.run(), name="relay-listener"),
            asyncio.create_task(self._report_backlog(), name="relay-backlog"),
        ]
        try:
            while True:
                self._wake.clear()
                try:
                    claimed = await self.claim_and_send()
                except Exception as exc:  # the relay must outlive any one claim
                    log.warning("relay_error", error=f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(min(1.0, self.options.poll_seconds))
                    continue
                if claimed:
                    continue
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.options.poll_seconds):
                        await self._wake.wait()
        finally:
            for task in [*helpers, *self._sending]:
                task.cancel()
            await asyncio.gather(*helpers, *self._sending, return_exceptions=True)
            with suppress(Exception):
                async with asyncio.timeout(2.0), self.pool.acquire() as conn:
                    await leases.unclaim_all(conn, self.replica)

    async def claim_and_send(self) -> int:
        """Claim what is due and start sending it, each in a task of its own; the number."""
        async with self.pool.acquire() as conn:
            claims = await leases.claim(
                conn,
                replica=self.replica,
                lease=self.options.lease,
                per_subscriber=self.options.per_subscriber,
                limit=self.options.batch,
            )
        start_by = time.monotonic() + self.options.lease - self.options.timeout - RECORD_SECONDS
        for claim in claims:
            task = asyncio.create_task(self._deliver(claim, start_by=start_by))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return len(claims)

    async def idle(self) -> None:
        """Wait until every send started has been recorded (for tests and the bench)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _deliver(self, claim: Claim, *, start_by: float) -> None:
        try:
            event = (
                claim.event
                if self.seen is None
                else self.seen(claim.event.org_id, claim.reader, claim.event)
            )
            async with self.pool.acquire() as conn:
                if event is None:
                    await leases.skip(conn, claim)
                    relay_metrics.DELIVERIES.labels(outcome="skipped").inc()
                    return
                if time.monotonic() > start_by:  # stalled past the lease: another replica may
                    await leases.unclaim(conn, claim)  # have it by now; give it back unsent
                    log.warning("delivery_too_late", delivery_id=str(claim.id))
                    return
            outcome = await self._send(claim, event)
            await self._record(claim, outcome)
        except Exception as exc:  # the database away: the lease runs out, the send comes again
            log.warning(
                "delivery_not_recorded",
                delivery_id=str(claim.id),
                error=f"{type(exc).__name__}: {exc}",
            )
        finally:
            self._wake.set()  # a slot is free, and a later event of the aggregate may be due

    async def _send(self, claim: Claim, event: Event) -> Outcome:
        connect_to = None
        if claim.subscriber_org_id is not None:  # a tenant's URL: vetted before every send
            try:
                vetted = await safeurl.vetted(claim.url, allow_loopback=self.options.allow_loopback)
            except safeurl.UnsafeUrl as refused:
                return Outcome(duration_ms=0, error=f"not sent: {refused.detail}")
            if vetted.target.host != str(vetted.addresses[0]):  # a name, not an address
                connect_to = str(vetted.addresses[0])
        return await sending.send(
            self.clients,
            claim.url,
            event,
            secrets=claim.secrets,
            within=self.options.timeout,
            connect_to=connect_to,
        )

    async def _record(self, claim: Claim, outcome: Outcome) -> None:
        status, retry_in, disable = self._judge(claim, outcome)
        disabled = False
        async with self.pool.acquire() as conn:
            if disable is None:  # one statement: its own transaction
                held = await leases.record(conn, claim, outcome, status=status, retry_in=retry_in)
            else:
                async with conn.transaction():
                    held = await leases.record(
                        conn, claim, outcome, status=status, retry_in=retry_in
                    )
                    disabled = held and await leases.disable(
                        conn, claim, reason=disable[0], detail=disable[1], channel=self.channel
                    )
        counted = "stale" if not held else "retried" if status == "pending" else status
        relay_metrics.DELIVERIES.labels(outcome=counted).inc()
        if held and outcome.delivered:
            lag = (datetime.now(UTC) - claim.event.timestamp).total_seconds()
            relay_metrics.LAG.observe(max(0.0, lag))
        if not outcome.delivered:
            (log.warning if status == "failed" else log.info)(
                "delivery_failed",
                subscriber=claim.subscriber,
                delivery_id=str(claim.id),
                event_id=str(claim.event.id),
                attempt=claim.attempts + 1,
                status=outcome.status_code,
                error=outcome.error,
                final=status == "failed",
                recorded=held,
                subscription_disabled=disabled,
                correlation_id=claim.event.correlation_id,
            )

    def _judge(
        self, claim: Claim, outcome: Outcome
    ) -> tuple[
        Literal["delivered", "pending", "failed"],
        float,
        tuple[Literal["gone", "failing"], str] | None,
    ]:
        """The delivery's next status, the seconds to its next attempt, and why its
        subscription is to be disabled (a tenant's only), if it is."""
        if outcome.delivered:
            return "delivered", 0.0, None
        failed = claim.attempts + 1
        if claim.subscriber_org_id is None:  # an operator's: tried again and again, never failed
            schedule = self.options.operator_retry_schedule
            delay = retries.next_delay(schedule, failed=failed, endless=True)
            return "pending", delay or 0.0, None
        if outcome.gone:
            return "failed", 0.0, ("gone", "The endpoint answered 410 Gone.")
        delay = retries.next_delay(self.options.retry_schedule, failed=failed)
        if delay is not None:
            return "pending", delay, None
        detail = (
            f"Each of {failed} attempts over"
            f" {retries.spoken(retries.span(self.options.retry_schedule))} to deliver event"
            f" {claim.event.id} failed; the last: {outcome.error}."
        )
        return "failed", 0.0, ("failing", detail)

    async def report_backlog(self) -> None:
        """Set the backlog gauge from the database."""
        async with self.pool.acquire() as conn:
            relay_metrics.backlog(await leases.backlog(conn))

    async def _report_backlog(self) -> None:
        while True:
            with suppress(Exception):
                await self.report_backlog()
            await asyncio.sleep(relay_metrics.BACKLOG_SECONDS)


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
