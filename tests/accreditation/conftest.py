"""Fixtures the accreditation tests of several domains share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest_asyncio

from services.kit.settings import Settings
from tests.accreditation.outcomes.support import SECRET
from tests.conftest import _client


@pytest_asyncio.fixture
async def superuser(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def consumer(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    """Accreditation receiving scheduling's events signed with ``outcomes.support.SECRET``."""
    settings = settings_for("accreditation", webhook_secrets=(SECRET,))
    async for client in _client(settings, "accreditation"):
        yield client
