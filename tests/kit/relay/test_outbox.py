"""Outbox, relay and inbox on the real database, delivering to a real HTTP receiver."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import asyncpg
import httpx
import pytest

from services.kit import outbox, retries, sending, webhooks
from services.kit.relay import Relay, Subscriber, replay, sync_subscribers
from tests.kit.relay.support import (
    CHANNEL,
    FAST,
    Receiver,
    drain,
    emit,
    eventually,
    subscription,
)
from tests.servers import ThreadedServer


def refuse_first(_: outbox.Event, attempt: int) -> tuple[int, bytes, dict[str, str]]:
    return (503, b"busy", {}) if attempt == 1 else (204, b"", {})


async def test_every_event_is_delivered_once_in_order_per_aggregate(pool: asyncpg.Pool) -> None:
    secret = webhooks.new_secret()
    receiver = Receiver(secret, refuse_first)
    with ThreadedServer(receiver, lifespan="off") as server:
        async with pool.acquire() as conn:
            await sync_subscribers(
                conn,
                [Subscriber(name="test", url=server.url, secret=secret, types=["session.closed"])],
            )
        org, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for n in range(4):
            await emit(pool, org, a, n)
            await emit(pool, org, b, n)
        async with sending.Clients() as clients:
            await drain(Relay(pool, channel=CHANNEL, clients=clients, options=FAST))

    assert len(receiver.events) == 8
    for aggregate in (a, b):
        assert [e.data["n"] for e in receiver.events if e.aggregate_id == aggregate] == [0, 1, 2, 3]
    assert set(receiver.attempts.values()) == {2}, "each event refused once, then delivered once"
    assert receiver.most_per_aggregate == 1
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 8
        )
        attempts = await conn.fetch("SELECT status_code, response_excerpt FROM delivery_attempts")
        assert (
            sorted((a["status_code"], a["response_excerpt"]) for a in attempts)
            == [(204, None)] * 8 + [(503, "busy")] * 8
        )
        assert not await conn.fetchval(
            "SELECT count(*) FROM deliveries WHERE claimed_by IS NOT NULL"
        ), "every lease is given back with its outcome"


async def test_an_operators_subscriber_is_tried_again_and_again_never_disabled_and_replays(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await sync_subscribers(
            conn,
            [
                Subscriber(
                    name="gone",
                    url="http://127.0.0.1:9/",
                    secret=webhooks.new_secret(),
                    types=["session.closed"],
                )
            ],
        )
    await emit(pool, uuid.uuid4(), uuid.uuid4(), 0)
    async with sending.Clients() as clients:
        await drain(Relay(pool, channel=CHANNEL, clients=clients, options=FAST), seconds=1.0)
    async with pool.acquire() as conn:
        waiting = await conn.fetchrow("SELECT id, status, attempts, last_error FROM deliveries")
        assert waiting["status"] == "pending", "it waits for the consumer to come back"
        assert waiting["attempts"] > 3, "past the tenants' schedule (three attempts here)"
        assert "Connect" in waiting["last_error"]
        status = await conn.fetchval("SELECT status FROM subscribers WHERE name = 'gone'")
        assert status == "active", "an operator's subscriber is the operator's to change"
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1, "and nothing announced"
        assert await replay(conn, waiting["id"])
        replayed = await conn.fetchrow(
            "SELECT status, attempts FROM deliveries WHERE id = $1", waiting["id"]
        )
        assert (replayed["status"], replayed["attempts"]) == ("pending", 0)
        await conn.execute("UPDATE subscribers SET status = 'paused' WHERE name = 'gone'")


async def test_feed_never_skips_an_event_committed_late(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    early = await pool.acquire()
    try:
        transaction = early.transaction()
        await transaction.start()
        late_committer = await outbox.emit(
            early, org_id=org, type="t", aggregate_id=uuid.uuid4(), payload={}, channel=CHANNEL
        )
        committed = await emit(pool, org, uuid.uuid4(), 1)

        async with pool.acquire() as reader:
            seen, cursor = await outbox.feed(
                reader, org, after=outbox.decode_feed_cursor(None), limit=10
            )
        assert seen == [], "a later event waits while an earlier transaction is in flight"

        await transaction.commit()
    finally:
        await pool.release(early)

    async with pool.acquire() as reader:
        # Any transaction elsewhere in the cluster holds the horizon too, and may hold back the
        # second event after the first is shown: wait it out, page by page.
        seen = []
        for _ in range(600):
            more, cursor = await outbox.feed(reader, org, after=cursor, limit=10)
            seen += more
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.05)
        assert [e.id for e in seen] == [late_committer, committed]
        more, _ = await outbox.feed(reader, org, after=cursor, limit=10)
        assert more == []
        other, _ = await outbox.feed(
            reader, uuid.uuid4(), after=outbox.decode_feed_cursor(None), limit=10
        )
        assert other == [], "the feed is per tenant"


async def test_inbox_records_an_event_once(pool: asyncpg.Pool) -> None:
    event_id = uuid.uuid4()
    async with pool.acquire() as conn:
        assert await outbox.first_time(conn, source="scheduling", event_id=event_id, type="t")
        assert not await outbox.first_time(conn, source="scheduling", event_id=event_id, type="t")


def test_the_retry_schedule_spans_about_three_days_with_jitter() -> None:
    schedule = retries.DEFAULT_SCHEDULE
    assert len(schedule) + 1 == 13
    assert 71 * 3600 < retries.span(schedule) < 74 * 3600
    for failed, planned in enumerate(schedule, start=1):
        delay = retries.next_delay(schedule, failed=failed)
        assert delay is not None
        assert planned * 0.8 <= delay <= planned * 1.2
    assert retries.next_delay(schedule, failed=len(schedule) + 1) is None
    drawn = {retries.next_delay(schedule, failed=1) for _ in range(20)}
    assert len(drawn) > 1, "jittered"


def test_an_operators_subscriber_is_retried_within_seconds_then_every_five_minutes() -> None:
    schedule = retries.OPERATOR_SCHEDULE
    first = retries.next_delay(schedule, failed=1, endless=True)
    assert first is not None and 0.8 <= first <= 1.2
    assert sum(schedule[:-1]) < 10 * 60, "caught up within minutes of a restart"
    for failed in (len(schedule), 1000):
        later = retries.next_delay(schedule, failed=failed, endless=True)
        assert later is not None and 240 <= later <= 360


class _ResetAsItOpens(httpx.AsyncBaseTransport):
    """A transport failing as anyio does when the peer is killed while the connection opens:
    with an error that is not an ``httpx.HTTPError``."""

    def __init__(self, *, calls: int) -> None:
        self.calls = 0
        self.all_made = asyncio.Event()
        self._expected = calls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls >= self._expected:
            self.all_made.set()
        raise AttributeError("'NoneType' object has no attribute 'getpeername'")


async def test_a_transport_error_of_any_kind_is_a_failed_attempt_and_the_relay_runs_on(
    pool: asyncpg.Pool,
) -> None:
    """A consumer killed mid-connection once escaped the relay's error handling and stopped
    its background task for good: nothing was delivered again, to any subscriber."""
    await subscription(pool, "http://reset.invalid/", webhooks.new_secret())
    await emit(pool, uuid.uuid4(), uuid.uuid4(), 0)
    transport = _ResetAsItOpens(calls=3)
    async with sending.Clients(transport=transport) as clients:
        relay = Relay(pool, channel=CHANNEL, clients=clients, options=FAST)
        running = asyncio.create_task(relay.run())
        try:
            async with asyncio.timeout(10):
                await transport.all_made.wait()

            async def tried() -> asyncpg.Record | None:
                async with pool.acquire() as conn:
                    return await conn.fetchrow(
                        "SELECT attempts, last_error FROM deliveries WHERE attempts >= 3"
                    )

            row = await eventually(tried)
            assert not running.done(), "the relay's task must outlive a failed attempt"
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    assert row["last_error"].startswith("AttributeError")


async def test_a_relay_stopped_as_it_is_woken_stops(pool: asyncpg.Pool) -> None:
    """Python 3.11's ``asyncio.wait_for``, cancelled in the turn its awaitable completed,
    returned the result and lost the cancellation: a relay woken (a delivery recorded, a
    notification) as it was stopped ran on, and whoever awaited its end waited for ever (the
    test suite, now and then, at 98 %)."""
    async with sending.Clients() as clients:
        for _ in range(3):
            relay = Relay(pool, channel=CHANNEL, clients=clients, options=FAST)
            running = asyncio.create_task(relay.run())
            try:
                async with asyncio.timeout(10):
                    await relay.listener.listening.wait()
                await asyncio.sleep(0.05)  # nothing due: it waits to be woken
                relay.listener.on_notify()
                running.cancel()
                await asyncio.sleep(3 * FAST.poll_seconds)
                assert running.done(), "the relay runs on after it was stopped"
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running


@pytest.mark.parametrize("lease", [0.5, 2.9])
def test_a_lease_must_outlast_a_send(lease: float) -> None:
    with pytest.raises(ValueError, match="lease"):
        type(FAST)(timeout=1.0, lease=lease)
