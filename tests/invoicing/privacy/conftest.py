"""A connection to the database as invoicing's role, and a pool of its own, for the tests
that read the rows or run the retention rule."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from services.kit.db import create_pool
from services.kit.settings import Settings


@pytest.fixture
async def db(database_url: str, org: uuid.UUID) -> AsyncIterator[asyncpg.Connection]:
    """A connection as invoicing's role, in the test's tenant."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "invoicing"})
    await conn.execute('SET ROLE "kring_invoicing"')
    await conn.execute("SELECT set_config('app.org_id', $1, false)", str(org))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings_for("invoicing"), schema="invoicing")
    try:
        yield pool
    finally:
        await pool.close()
