"""Outbox, relay and inbox on the real database, delivering to a real HTTP receiver."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
import pytest_asyncio

from services.kit import outbox, webhooks
from services.kit.relay import Relay, Subscriber, backoff, replay, sync_subscribers
from tests.servers import ThreadedServer

SCHEMA = "kit_events_test"
CHANNEL = "kit_events_test_outbox"


class Receiver:
    """A subscriber: verifies each delivery, refuses the first ``fail_first`` attempts per event."""

    def __init__(self, secret: str, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.attempts: dict[str, int] = {}
        self.events: list[outbox.Event] = []
        self.request_ids: list[str | None] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = 204
        try:
            event_id = webhooks.verify([self.secret], headers, body)
        except Exception:
            status = 401
        else:
            self.attempts[event_id] = self.attempts.get(event_id, 0) + 1
            if self.attempts[event_id] <= self.fail_first:
                status = 503
            else:
                self.events.append(msgspec.json.decode(body, type=outbox.Event))
                self.request_ids.append(headers.get("x-request-id"))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _event_tables() -> list[str]:
    """The event tables as a service's revision created them (accreditation's 0003 holds
    nothing else), for a schema of the relay tests' own."""
    path = Path(__file__).parents[2] / "services/accreditation/migrations/versions/0003_events.py"
    spec = importlib.util.spec_from_file_location("accreditation_0003_events", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.STATEMENTS)


@pytest.fixture(scope="module")
def events_schema(database_url: str) -> Iterator[str]:
    async def create() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            await conn.execute(f"CREATE SCHEMA {SCHEMA}")
            await conn.execute(f"SET search_path = {SCHEMA}")
            for statement in _event_tables():
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(create())
    yield database_url


@pytest_asyncio.fixture(loop_scope="session")
async def pool(events_schema: str) -> AsyncIterator[asyncpg.Pool]:
    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec(
            "jsonb",
            encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )

    p = await asyncpg.create_pool(
        events_schema, min_size=1, max_size=6, init=init, server_settings={"search_path": SCHEMA}
    )
    async with p.acquire() as conn:
        await conn.execute("TRUNCATE inbox, delivery_attempts, deliveries, subscribers, outbox")
    yield p
    await p.close()


async def emit_in_transaction(
    pool: asyncpg.Pool, org: uuid.UUID, aggregate: uuid.UUID, n: int
) -> uuid.UUID:
    async with pool.acquire() as conn, conn.transaction():
        return await outbox.emit(
            conn,
            org_id=org,
            type="session.closed",
            aggregate_id=aggregate,
            payload={"n": n},
            channel=CHANNEL,
        )


async def drain(relay: Relay, rounds: int = 200) -> None:
    """Run the relay until nothing is pending (retries are due within milliseconds here)."""
    for _ in range(rounds):
        await relay.deliver_due()
        async with relay.pool.acquire() as conn:
            if not await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'"):
                return
        await asyncio.sleep(0.005)


async def test_every_event_is_delivered_once_in_order_per_aggregate(pool: asyncpg.Pool) -> None:
    secret = webhooks.new_secret()
    receiver = Receiver(secret, fail_first=1)
    with ThreadedServer(receiver, lifespan="off") as server:
        async with pool.acquire() as conn:
            await sync_subscribers(
                conn,
                [Subscriber(name="test", url=server.url, secret=secret, types=["session.closed"])],
            )
        org, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for n in range(4):
            await emit_in_transaction(pool, org, a, n)
            await emit_in_transaction(pool, org, b, n)
        async with httpx.AsyncClient(timeout=5) as client:
            await drain(Relay(pool, channel=CHANNEL, client=client, base_delay=0.001))

    assert len(receiver.events) == 8
    for aggregate in (a, b):
        assert [e.data["n"] for e in receiver.events if e.aggregate_id == aggregate] == [0, 1, 2, 3]
    assert set(receiver.attempts.values()) == {2}, "each event refused once, then delivered once"
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 8
        )
        assert await conn.fetchval("SELECT count(*) FROM delivery_attempts") == 16
        assert (
            await conn.fetchval("SELECT count(*) FROM delivery_attempts WHERE status_code = 503")
            == 8
        )


async def test_an_unreachable_subscriber_fails_after_max_attempts_and_replays(
    pool: asyncpg.Pool,
) -> None:
    secret = webhooks.new_secret()
    async with pool.acquire() as conn:
        await sync_subscribers(
            conn,
            [
                Subscriber(
                    name="gone", url="http://127.0.0.1:9/", secret=secret, types=["session.closed"]
                )
            ],
        )
    await emit_in_transaction(pool, uuid.uuid4(), uuid.uuid4(), 0)
    async with httpx.AsyncClient(timeout=1) as client:
        await drain(
            Relay(pool, channel=CHANNEL, client=client, base_delay=0.001, max_attempts=3), rounds=50
        )
    async with pool.acquire() as conn:
        failed = await conn.fetchrow(
            "SELECT id, attempts, last_error FROM deliveries WHERE status = 'failed'"
        )
        assert failed["attempts"] == 3
        assert "Connect" in failed["last_error"]
        assert await replay(conn, failed["id"])
        assert (
            await conn.fetchval("SELECT status FROM deliveries WHERE id = $1", failed["id"])
            == "pending"
        )
        await conn.execute("UPDATE subscribers SET active = false WHERE name = 'gone'")
        await conn.execute("DELETE FROM delivery_attempts WHERE delivery_id = $1", failed["id"])
        await conn.execute("DELETE FROM deliveries WHERE id = $1", failed["id"])


async def test_feed_never_skips_an_event_committed_late(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    early = await pool.acquire()
    try:
        transaction = early.transaction()
        await transaction.start()
        late_committer = await outbox.emit(
            early, org_id=org, type="t", aggregate_id=uuid.uuid4(), payload={}, channel=CHANNEL
        )
        committed = await emit_in_transaction(pool, org, uuid.uuid4(), 1)

        async with pool.acquire() as reader:
            seen, cursor = await outbox.feed(
                reader, org, after=outbox.decode_feed_cursor(None), limit=10
            )
        assert seen == [], "a later event waits while an earlier transaction is in flight"

        await transaction.commit()
    finally:
        await pool.release(early)

    async with pool.acquire() as reader:
        # Any transaction elsewhere in the cluster holds the horizon too: wait it out.
        for _ in range(600):
            seen, next_cursor = await outbox.feed(reader, org, after=cursor, limit=10)
            if seen:
                break
            await asyncio.sleep(0.05)
        cursor = next_cursor
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


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    for attempt in range(1, 20):
        delay = backoff(attempt, base=1.0, cap=600.0)
        ceiling = min(600.0, 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


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
    secret = webhooks.new_secret()
    async with pool.acquire() as conn:
        await sync_subscribers(
            conn,
            [
                Subscriber(
                    name="reset",
                    url="http://reset.invalid/",
                    secret=secret,
                    types=["session.closed"],
                )
            ],
        )
    await emit_in_transaction(pool, uuid.uuid4(), uuid.uuid4(), 0)
    transport = _ResetAsItOpens(calls=2)
    async with httpx.AsyncClient(transport=transport) as client:
        relay = Relay(pool, channel=CHANNEL, client=client, base_delay=0.001, max_attempts=2)
        running = asyncio.create_task(relay.run())
        try:
            async with asyncio.timeout(10):
                await transport.all_made.wait()
            await asyncio.sleep(0.2)  # the second attempt's outcome is written
            assert not running.done(), "the relay's task must outlive a failed batch"
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    async with pool.acquire() as conn:
        failed = await conn.fetchrow(
            "SELECT id, attempts, last_error FROM deliveries WHERE status = 'failed'"
        )
        assert failed["attempts"] == 2
        assert failed["last_error"].startswith("AttributeError")
        await conn.execute("UPDATE subscribers SET active = false WHERE name = 'reset'")
        await conn.execute("DELETE FROM delivery_attempts WHERE delivery_id = $1", failed["id"])
        await conn.execute("DELETE FROM deliveries WHERE id = $1", failed["id"])
