"""Two replicas of each service on one database, as the autoscaler runs them, and a tenant with
two webhook subscriptions: one whose receiver process is frozen (SIGSTOP), one live.

- The frozen receiver delays none of the live one's deliveries by more than a second.
- A scheduling replica killed (SIGKILL) while it holds leases on deliveries: every event still
  reaches the live subscriber, in its aggregate's order, verified with the ``standardwebhooks``
  library; an event arrives a second time only if the killed replica had it in flight (its
  outcome died with it: the same ``webhook-id``, which a receiver's inbox drops, as the
  consumers' do: each session's ledger entries are written once).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import asyncpg
import httpx
import msgspec
import pytest

from bench.flow import MEMBERS, nova_group, planned_sessions
from services.kit import outbox, webhooks
from services.kit.devkeys import DevKey
from tests import database
from tests.flow.platform import Replicas
from tests.flow.support import ok
from tests.kit.relay.support import Receiver, eventually
from tests.servers import ThreadedServer, free_port

TYPES = ["session.scheduled", "session.closed", "session.cancelled"]
SESSIONS = 24
ONE_BY_ONE = 4
"""Sessions closed one at a time while the frozen receiver holds its slots; the rest in a burst."""
RELAY = {
    "KRING_DB_POOL_MAX": "4",  # six processes on the test run's PostgreSQL
    "KRING_WEBHOOK_TIMEOUT_SECONDS": "3",
    "KRING_WEBHOOK_LEASE_SECONDS": "6",
    "KRING_WEBHOOK_RETRY_SCHEDULE": "0.5,1,2,4,8,16,32",
}
"""A killed replica's leases run out after 6 s (60 by default), a failed delivery is tried again
within seconds (5 minutes for its third attempt by default): the test need not wait."""


@pytest.fixture(scope="module")
def replicas(request: pytest.FixtureRequest, dev_key: DevKey) -> Iterator[tuple[Replicas, str]]:
    """The replicas on a database of their own: the shared platform's subscribers (synced by
    name) must not be pointed at these."""
    with database.fresh(request.config) as url, Replicas(url, dev_key, **RELAY) as running:
        yield running, url


@pytest.fixture
def frozen() -> Iterator[str]:
    """The URL of a receiver process that is stopped: it takes connections, never answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        os.kill(process.pid, signal.SIGSTOP)
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        process.kill()
        process.wait(timeout=10)


async def feed(api: httpx.AsyncClient) -> list[outbox.Event]:
    """The tenant's events of :data:`TYPES`, oldest first, as its feed serves them."""
    events: list[outbox.Event] = []
    after: str | None = None
    while True:
        page = ok(await api.get("/v1/events", params={"cursor": after} if after else {}))
        events += [msgspec.convert(e, outbox.Event) for e in page["items"] if e["type"] in TYPES]
        if page["next_cursor"] == after:
            return events
        after = page["next_cursor"]


def order(events: list[uuid.UUID], of: dict[uuid.UUID, uuid.UUID]) -> dict[uuid.UUID, list]:
    """Event ids by aggregate, each aggregate's in the order given."""
    by: dict[uuid.UUID, list[uuid.UUID]] = {}
    for event_id in events:
        by.setdefault(of[event_id], []).append(event_id)
    return by


async def leased_by(conn: asyncpg.Connection, pid: int) -> list[uuid.UUID]:
    """The events whose deliveries the process ``pid`` holds leases on (run out or not)."""
    rows = await conn.fetch(
        """
        SELECT e.id FROM scheduling.deliveries d
        JOIN scheduling.outbox e ON e.position = d.event_position
        WHERE d.status = 'pending' AND d.claimed_by LIKE $1
        """,
        f"%:{pid}:%",
    )
    return [row["id"] for row in rows]


async def hanging(conn: asyncpg.Connection, url: str) -> bool:
    """Whether the relays hold at least a subscriber's share of leases to ``url`` now."""
    held = await conn.fetchval(
        """
        SELECT count(*) FROM scheduling.deliveries d
        JOIN scheduling.subscribers s ON s.id = d.subscriber_id
        WHERE s.url = $1 AND d.status = 'pending' AND d.claimed_until > now()
        """,
        url,
    )
    return bool(held >= 4)


async def test_a_frozen_receiver_and_a_killed_replica_cost_the_live_subscriber_nothing(
    replicas: tuple[Replicas, str],
    frozen: str,
    token_for: Callable[..., dict[str, str]],
) -> None:
    platform, database_url = replicas
    doomed, survivor = platform.replicas
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    # The test talks to the replica that stays; the services talk through the fronts.
    urls = {**platform.urls, "scheduling": survivor.urls["scheduling"]}
    secret = webhooks.new_secret()
    live = Receiver(secret, delay=0.02)
    conn = await asyncpg.connect(database_url)
    with ThreadedServer(live, lifespan="off") as receiver:
        async with httpx.AsyncClient(base_url=urls["scheduling"], headers=admin, timeout=30) as api:
            for url in (receiver.url + "/hooks", frozen):
                body = {"url": url, "event_types": TYPES, "secret": secret}
                ok(await api.post("/v1/webhook-subscriptions", json=body))
            group, members = await nova_group(urls, admin)
            sessions = await planned_sessions(
                urls, admin, group, members, count=SESSIONS, start="2024-02-01"
            )

            async def close(session_id: str) -> None:
                ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))

            for session_id in sessions[:ONE_BY_ONE]:
                await close(session_id)
                await asyncio.sleep(0.3)
            closed = await eventually(
                lambda: _arrived(live, "session.closed", ONE_BY_ONE), seconds=10
            )
            delays = [a.at - a.event.timestamp.timestamp() for a in closed]
            assert max(delays) < 1.0, f"the live subscriber waited {max(delays):.2f} s"
            assert await eventually(lambda: hanging(conn, frozen), seconds=5), (
                "meanwhile the frozen receiver holds its slots"
            )

            async def close_and_maybe_cancel(n: int, session_id: str) -> None:
                await close(session_id)
                if n % 4 == 0:
                    cancel = {"reason": "Held in error"}
                    ok(await api.post(f"/v1/sessions/{session_id}/cancel", json=cancel))

            limit = asyncio.Semaphore(6)

            async def one(n: int, session_id: str) -> None:
                async with limit:
                    await close_and_maybe_cancel(n, session_id)

            burst = asyncio.gather(
                *(one(n, s) for n, s in enumerate(sessions[ONE_BY_ONE:])), return_exceptions=False
            )
            pid = doomed.pid("scheduling")
            assert await eventually(lambda: leased_by(conn, pid), seconds=30), "no lease held"
            doomed.kill("scheduling")  # mid-batch: it holds leases now
            held = await leased_by(conn, pid)  # what it held as it died
            await burst

            cancelled = (SESSIONS - ONE_BY_ONE + 3) // 4

            async def complete() -> list[outbox.Event]:
                # The feed shows an event once every older transaction in the cluster ended.
                events = await feed(api)
                return events if len(events) == 2 * SESSIONS + cancelled else []

            expected = await eventually(complete, seconds=60)
            assert expected, "the feed lists every event"
            arrived = await eventually(
                lambda: {e.id for e in live.events} >= {e.id for e in expected}, seconds=60
            )
            assert arrived, "every event reached the live subscriber after the kill"

    aggregate_of = {e.id: e.aggregate_id for e in expected}
    received = [e.id for e in live.events]
    first = list(dict.fromkeys(received))
    assert live.refused == 0, "every delivery verified with the standardwebhooks library"
    assert sorted(map(str, first)) == sorted(str(e.id) for e in expected), "none missing, no other"
    assert order(first, aggregate_of) == order([e.id for e in expected], aggregate_of)
    again = {i for i in received if received.count(i) > 1}
    assert again <= set(held), "only what the killed replica had in flight came twice"

    async def credits() -> asyncpg.Record | None:
        row = await conn.fetchrow(
            """
            SELECT count(*) AS entries,
                   count(DISTINCT (session_id, person_id, register_code)) AS distinct_entries
            FROM accreditation.ledger_entries WHERE org_id = $1 AND kind = 'credit'
            """,
            org,
        )
        return row if row["distinct_entries"] == MEMBERS * SESSIONS else None

    try:
        entries = await eventually(credits, seconds=60)

        async def timed_out() -> int:
            count = await conn.fetchval(
                """
                SELECT count(*) FROM scheduling.delivery_attempts a
                JOIN scheduling.deliveries d ON d.id = a.delivery_id
                JOIN scheduling.subscribers s ON s.id = d.subscriber_id
                WHERE s.url = $1 AND a.error LIKE 'no answer within%'
                """,
                frozen,
            )
            return int(count) if count >= 4 else 0

        frozen_attempts = await eventually(timed_out, seconds=15)
    finally:
        await conn.close()
    assert entries, "every closed session's entries were written"
    assert entries["entries"] == MEMBERS * SESSIONS, "and each once"
    assert frozen_attempts, "the frozen receiver held its slots until each send's deadline"


def _arrived(receiver: Receiver, type: str, count: int) -> list:
    arrivals = [a for a in receiver.arrivals if a.event.type == type]
    return arrivals if len(arrivals) >= count else []
