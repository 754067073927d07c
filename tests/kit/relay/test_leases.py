"""Claims and leases: sends outside any transaction, a hung receiver holding only its own
slots, replicas sharing the work in order, and a late replica's outcome changing nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg

from services.kit import leases, outbox, sending, webhooks
from services.kit.relay import Relay
from services.kit.sending import Outcome
from tests.kit.relay.support import (
    CHANNEL,
    FAST,
    Receiver,
    emit,
    eventually,
    subscription,
)
from tests.servers import ThreadedServer


@contextlib.asynccontextmanager
async def running(relay: Relay):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(5):
            await relay.listener.listening.wait()
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_hung_receiver_delays_no_other_subscriber_nor_the_feed(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    hung_secret, live_secret = webhooks.new_secret(), webhooks.new_secret()
    hung, live = Receiver(hung_secret, hung=True), Receiver(live_secret)
    options = type(FAST)(timeout=5.0, lease=8.0, per_subscriber=3, poll_seconds=5.0)
    with ThreadedServer(hung, lifespan="off") as h, ThreadedServer(live, lifespan="off") as lv:
        await subscription(pool, h.url, hung_secret)
        await subscription(pool, lv.url, live_secret)
        async with (
            sending.Clients() as clients,
            running(Relay(pool, channel=CHANNEL, clients=clients, options=options)),
        ):
            emitted: dict[uuid.UUID, float] = {}
            for n in range(12):
                emitted[await emit(pool, org, uuid.uuid4(), n)] = time.time()
                await asyncio.sleep(0.05)
            assert await eventually(lambda: len(live.events) == 12, seconds=5)
            delays = [a.at - emitted[a.event.id] for a in live.arrivals]
            assert max(delays) < 1.0, f"the live subscriber waited {max(delays):.2f} s"
            assert hung.most_at_once == 3, "the hung one holds its own three slots, no more"

            feed_event = await emit(pool, org, uuid.uuid4(), 99)
            async with pool.acquire() as conn:
                page, _ = await outbox.feed(
                    conn, org, after=outbox.decode_feed_cursor(None), limit=100
                )
            assert feed_event in [e.id for e in page], "the feed does not wait on a send"
            hung.release()


async def test_two_replicas_share_the_work_each_event_once_in_order_per_aggregate(
    pool: asyncpg.Pool,
) -> None:
    org = uuid.uuid4()
    secret = webhooks.new_secret()
    receiver = Receiver(secret, delay=0.01)
    aggregates = [uuid.uuid4() for _ in range(4)]
    with ThreadedServer(receiver, lifespan="off") as server:
        await subscription(pool, server.url, secret)
        async with (
            sending.Clients() as clients,
            running(Relay(pool, channel=CHANNEL, clients=clients, options=FAST)) as one,
            running(Relay(pool, channel=CHANNEL, clients=clients, options=FAST)) as two,
        ):
            for n in range(8):
                for aggregate in aggregates:
                    await emit(pool, org, aggregate, n)
            assert await eventually(lambda: len(receiver.events) == 32, seconds=20)
            async with pool.acquire() as conn:
                owners = await conn.fetchval(
                    "SELECT count(DISTINCT claimed_by) FROM deliveries d"
                    " JOIN delivery_attempts a ON a.delivery_id = d.id"
                )
                assert owners == 0, "no lease is left behind"
    assert sorted(receiver.attempts.values()) == [1] * 32, "none twice"
    for aggregate in aggregates:
        seen = [e.data["n"] for e in receiver.events if e.aggregate_id == aggregate]
        assert seen == list(range(8))
    assert receiver.most_per_aggregate == 1, "never two of one aggregate in flight"
    assert one.replica != two.replica


async def test_a_late_replicas_outcome_changes_nothing(pool: asyncpg.Pool) -> None:
    await subscription(pool, "http://127.0.0.1:9/", webhooks.new_secret())
    await emit(pool, uuid.uuid4(), uuid.uuid4(), 0)
    async with pool.acquire() as conn:
        (stalled,) = await leases.claim(
            conn, replica="a", lease=0.0, per_subscriber=4, limit=10
        )  # a lease that has run out at once, as a killed or stopped replica's does
        (taken,) = await leases.claim(conn, replica="b", lease=30.0, per_subscriber=4, limit=10)
        assert (taken.id, taken.claimed_by) == (stalled.id, "b")
        assert await leases.claim(conn, replica="c", lease=30, per_subscriber=4, limit=10) == []

        failed = Outcome(duration_ms=5, status_code=500, error="HTTP 500")
        assert not await leases.record(conn, stalled, failed, status="pending", retry_in=60)
        assert await leases.record(conn, taken, Outcome(duration_ms=3, status_code=204),
                                   status="delivered")  # fmt: skip
        assert not await leases.record(conn, stalled, failed, status="failed")
        row = await conn.fetchrow("SELECT status, attempts, claimed_by FROM deliveries")
        assert (row["status"], row["attempts"], row["claimed_by"]) == ("delivered", 1, None)
        assert await conn.fetchval("SELECT count(*) FROM delivery_attempts") == 3, (
            "every attempt is logged, recorded or not"
        )


async def test_a_subscribers_slots_count_every_replicas_leases(pool: asyncpg.Pool) -> None:
    await subscription(pool, "http://127.0.0.1:9/", webhooks.new_secret())
    org = uuid.uuid4()
    for n in range(6):
        await emit(pool, org, uuid.uuid4(), n)
    async with pool.acquire() as conn:
        first = await leases.claim(conn, replica="a", lease=30, per_subscriber=4, limit=10)
        second = await leases.claim(conn, replica="b", lease=30, per_subscriber=4, limit=10)
        assert (len(first), len(second)) == (4, 0)
        await leases.unclaim(conn, first[0])
        (again,) = await leases.claim(conn, replica="b", lease=30, per_subscriber=4, limit=10)
        assert again.id == first[0].id, "given back, it is the first due again"
        await leases.unclaim_all(conn, "a")
        assert len(await leases.claim(conn, replica="c", lease=30, per_subscriber=4, limit=10)) == 3
