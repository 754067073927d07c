"""The database as the privacy tests use it (the service's role and the tables' owner), and
the retention job's announcements as a reader of a feed sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from services.kit.db import create_pool
from services.kit.migrations import owner_role
from services.kit.privacy.retention import APPLIED
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA
from tests.scheduling.support import read_all


@asynccontextmanager
async def service_pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    """Scheduling's pool, as its app has it (its role, its schema)."""
    pool = await create_pool(settings_for("scheduling"), schema=SCHEMA)
    try:
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def as_owner(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the owner of scheduling's tables (who bypasses row-level security)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'SET ROLE "{owner_role(SCHEMA)}"; SET search_path = "{SCHEMA}"')
        yield conn
    finally:
        await conn.close()


async def announced(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    expected: int = 0,
    type: str = APPLIED,
) -> list[dict[str, Any]]:
    """The events of ``type`` (the retention job's, unless named) the caller reads in the
    feed, read again for a while until there are ``expected``: the feed shows a commit once
    every transaction older than it ended, and the database is shared."""
    found: list[dict[str, Any]] = []
    for _ in range(50):
        found = [e for e in await read_all(client, headers, limit=100) if e["type"] == type]
        if len(found) >= expected:
            return found
        await asyncio.sleep(0.1)
    return found
