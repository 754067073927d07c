"""The delivery log and replay, through a producer's API."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest_asyncio

from services.kit import webhooks
from services.kit.settings import Settings
from tests.conftest import Token, _client
from tests.scheduling.attendance.support import closed_session


@pytest_asyncio.fixture(loop_scope="session")
async def producer(
    settings_for: Callable[..., Settings], database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Scheduling with one subscriber that is not there: every delivery waits and retries."""
    unreachable = [
        {
            "name": "nobody",
            "url": "http://127.0.0.1:9/internal/events",
            "secret": webhooks.new_secret(),
            "types": ["session.closed"],
        }
    ]
    settings = settings_for("scheduling", webhook_subscribers=json.dumps(unreachable))
    async for client in _client(settings, "scheduling"):
        yield client
    # The subscriber table is the database's, not this app's: stop sending to nobody.
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE scheduling.subscribers SET status = 'paused' WHERE name = 'nobody'"
        )
    finally:
        await conn.close()


async def test_deliveries_are_listed_and_replayed(
    producer: httpx.AsyncClient, auth: Token, token_for
) -> None:
    await closed_session(producer, auth)
    listed = await producer.get("/v1/webhooks/deliveries", headers=auth("admin"))
    assert listed.status_code == 200, listed.text
    # Other subscribers of this database (the flow tests') may have deliveries too.
    (delivery,) = [d for d in listed.json()["items"] if d["subscriber"] == "nobody"]
    assert delivery["subscriber"] == "nobody"
    assert delivery["event_type"] == "session.closed"
    assert delivery["status"] in ("pending", "failed")

    replayed = await producer.post(
        f"/v1/webhooks/deliveries/{delivery['id']}/replay", headers=auth("admin")
    )
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "pending"
    assert replayed.json()["attempts"] == 0

    other = token_for(uuid.uuid4(), "admin")
    assert (
        await producer.post(f"/v1/webhooks/deliveries/{delivery['id']}/replay", headers=other)
    ).status_code == 404
    assert (
        await producer.get("/v1/webhooks/deliveries", headers=auth("participant"))
    ).status_code == 403
