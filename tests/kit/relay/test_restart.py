"""After PostgreSQL restarts, the relay listens again: deliveries come as fast as before,
without a restart of the service (here, of the relay) and long before its next poll.

The test runs a PostgreSQL of its own (the embedded one, in a temporary folder), so that
restarting it disturbs no other test."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.kit import devdb, sending, webhooks
from services.kit.relay import Relay, RelayOptions
from tests.kit.relay.support import (
    CHANNEL,
    Receiver,
    create_schema,
    emit,
    eventually,
    open_pool,
    subscription,
)
from tests.servers import ThreadedServer

POLL_SECONDS = 30.0
"""Far more than any delivery here may take: only a NOTIFY can bring one in time."""


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[devdb.PostgresServer]:
    server = devdb.start(Path(tmp_path_factory.mktemp("restart")) / "pgdata")
    try:
        yield server
    finally:
        server.cleanup()


async def latencies(pool: asyncpg.Pool, receiver: Receiver, count: int) -> list[float]:
    """Seconds from each of ``count`` events' commit to its arrival, one event at a time."""
    seen: list[float] = []
    for n in range(count):
        committed = time.time()
        event_id = await emit(pool, uuid.uuid4(), uuid.uuid4(), n)
        arrived = await eventually(
            lambda e=event_id: [a.at for a in receiver.arrivals if a.event.id == e], seconds=40
        )
        seen.append(arrived[0] - committed)
    return seen


async def test_after_a_postgres_restart_deliveries_are_as_prompt_as_before(
    own_postgres: devdb.PostgresServer,
) -> None:
    url = devdb.database_url(own_postgres)
    conn = await asyncpg.connect(url)
    try:
        await create_schema(conn)
    finally:
        await conn.close()
    pool = await open_pool(url)
    secret = webhooks.new_secret()
    receiver = Receiver(secret)
    options = RelayOptions(timeout=2.0, lease=5.0, poll_seconds=POLL_SECONDS)
    try:
        with ThreadedServer(receiver, lifespan="off") as server:
            await subscription(pool, server.url, secret)
            async with sending.Clients() as clients:
                relay = Relay(pool, channel=CHANNEL, clients=clients, options=options)
                running = asyncio.create_task(relay.run())
                try:
                    async with asyncio.timeout(10):
                        await relay.listener.listening.wait()
                    before = await latencies(pool, receiver, 3)

                    await asyncio.to_thread(devdb.restart, own_postgres)
                    listening_again = await eventually(
                        lambda: (
                            relay.listener.connections == 2 and relay.listener.listening.is_set()
                        ),
                        seconds=30,
                    )
                    assert listening_again, "the relay listens again on a new connection"
                    after = await latencies(pool, receiver, 3)
                finally:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
    finally:
        pool.terminate()
    assert max(before) < 1.0, before
    assert max(after) < max(before) + 0.5, f"before {before}, after {after}"
