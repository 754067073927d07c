"""The export streams from a server-side cursor: memory does not grow with the number of rows."""

from __future__ import annotations

import tracemalloc
import uuid
from collections.abc import Callable

import asyncpg
import pytest_asyncio

from services.accreditation.config import SCHEMA
from services.accreditation.ledger import export, repository
from services.kit.db import create_pool
from services.kit.settings import Settings

INSERT = f"""
    INSERT INTO {SCHEMA}.ledger_entries
    SELECT $1, gen_random_uuid(), n, 'credit', gen_random_uuid(), gen_random_uuid(), 'NIP', 1,
           lpad(n::text, 8, '0'), 'Deelnemer ' || n, DATE '2026-01-01' + (n % 300),
           now(), now(), 'in_person', 8, 'Incidentmethode', 'Bram Jansen', ARRAY['NIP'],
           150, 250, rs.id, 1, DATE '2023-06-15', DATE '2028-06-14', false, NULL, NULL,
           now(), 'test', repeat('0', 64), repeat('0', 64)
    FROM generate_series(1, $2) AS n,
         (SELECT id FROM {SCHEMA}.rule_sets WHERE org_id IS NULL AND register_code = 'NIP') AS rs
"""


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> asyncpg.Pool:
    pool = await create_pool(settings_for("accreditation"), schema=SCHEMA)
    yield pool
    await pool.close()


async def peak_while_exporting(pool: asyncpg.Pool, org_id: uuid.UUID) -> tuple[int, int]:
    tracemalloc.start()
    try:
        rows = repository.stream_register(
            pool,
            org_id,
            register_code="NIP",
            from_date=None,
            to_date=None,
            consented_only=False,
            prefetch=200,
        )
        lines = 0
        async for _ in export.csv_lines(rows):
            lines += 1
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_export_memory_does_not_grow_with_rows(database_url: str, pool: asyncpg.Pool) -> None:
    small, large = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(INSERT, small, 500)
        await conn.execute(INSERT, large, 5_000)
    finally:
        await conn.close()

    small_lines, small_peak = await peak_while_exporting(pool, small)
    large_lines, large_peak = await peak_while_exporting(pool, large)

    assert (small_lines, large_lines) == (501, 5_001)
    assert large_peak < 2 * small_peak, (small_peak, large_peak)
