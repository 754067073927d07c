"""The relay's tests run on the event tables in a schema of their own, emptied for each test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
import pytest_asyncio

from tests.kit.relay.support import create_schema, open_pool


@pytest.fixture(scope="module")
def events_schema(database_url: str) -> Iterator[str]:
    async def create() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await create_schema(conn)
        finally:
            await conn.close()

    asyncio.run(create())
    yield database_url


@pytest_asyncio.fixture(loop_scope="session")
async def pool(events_schema: str) -> AsyncIterator[asyncpg.Pool]:
    p = await open_pool(events_schema)
    async with p.acquire() as conn:
        await conn.execute("TRUNCATE inbox, delivery_attempts, deliveries, subscribers, outbox")
    yield p
    await p.close()
