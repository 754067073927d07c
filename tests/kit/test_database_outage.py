"""A database that cannot be reached is told apart from a fault of the request: the first is
``DatabaseUnavailable`` (503), the second stays what it is (500, logged)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from services.kit.db import DatabaseUnavailable, transaction
from tests.kit.support import CuttableDatabase


@pytest_asyncio.fixture(loop_scope="function")
async def silent_pool() -> AsyncIterator[asyncpg.Pool]:
    """A pool of a server that takes the connection and never answers (a network partition)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        pool = await asyncpg.create_pool(
            f"postgresql://kring@127.0.0.1:{port}/kring", min_size=0, timeout=0.5
        )
        assert pool is not None
        try:
            yield pool
        finally:
            pool.terminate()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_connection_that_does_not_come_in_time_is_an_outage(
    silent_pool: asyncpg.Pool,
) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        async with transaction(silent_pool, org_id=None):
            pass
    assert isinstance(raised.value.__cause__, TimeoutError)
    assert raised.value.retry_after == 5


@pytest.mark.asyncio(loop_scope="function")
async def test_a_refused_or_lost_connection_is_an_outage_and_an_os_error_of_the_work_is_not(
    database_url: str,
) -> None:
    database = CuttableDatabase(database_url)
    pool = await asyncpg.create_pool(database.url, min_size=1, max_size=1)
    assert pool is not None
    try:
        with pytest.raises(FileNotFoundError):  # the request's own fault, not the database's
            async with transaction(pool, org_id=None):
                raise FileNotFoundError("template.pdf")
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):  # answered 503 by the kit
            async with transaction(pool, org_id=None) as conn:
                database.cut()
                await conn.fetchval("SELECT 1")
        with pytest.raises(DatabaseUnavailable) as raised:
            async with transaction(pool, org_id=None):
                pass
        assert isinstance(raised.value.__cause__, OSError)
        database.restore()
        async with transaction(pool, org_id=None) as conn:
            assert await conn.fetchval("SELECT 1") == 1
        with pytest.raises(DatabaseUnavailable):  # lost after the work, before the commit
            async with transaction(pool, org_id=None) as conn:
                await conn.fetchval("SELECT 1")
                database.cut()
                await asyncio.sleep(0.2)
    finally:
        database.cut()
        pool.terminate()
