"""The database as the privacy tests use it: the service's role and the tables' owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

from services.kit.db import create_pool
from services.kit.migrations import owner_role
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA


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
