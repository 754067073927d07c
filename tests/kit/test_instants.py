"""A service's connections read and write ``timestamptz`` as text (``kit.db.instant_in`` and
``instant_out``, ADR 0046): every instant comes back as asyncpg's own binary codec reads it, an
aware datetime in UTC, to the microsecond, whatever zone it was written in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from services.cli import service_module
from services.kit.db import INSTANT_SETTINGS, create_pool, instant_in, instant_out
from services.kit.settings import Settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INSTANTS = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, AMSTERDAM, timezone(timedelta(hours=-9, minutes=-30))]),
)
EDGES = [
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # the spring change in Amsterdam
    datetime(2026, 3, 29, 3, 0, tzinfo=AMSTERDAM),
    datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=AMSTERDAM),  # the autumn hour, twice
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMSTERDAM),
    datetime(1900, 1, 1, tzinfo=AMSTERDAM),  # Amsterdam's own offset then: +00:19:32
    datetime(1, 1, 2, 0, 0, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 12, 2, 13, 30, 0, 500_000, tzinfo=UTC),
]


@given(INSTANTS)
def test_an_instant_written_as_postgresql_writes_it_reads_back_the_same_in_utc(
    instant: datetime,
) -> None:
    # PostgreSQL in INSTANT_SETTINGS writes `2026-03-29 01:30:00.5+00`: ISO with a space.
    written = instant.astimezone(UTC).isoformat(sep=" ").replace("+00:00", "+00")
    read = instant_in(written)
    assert read == instant.astimezone(UTC)
    assert read.tzinfo is UTC


def test_infinity_reads_as_asyncpg_reads_it_and_anything_else_is_refused() -> None:
    assert instant_in("infinity") == datetime.max.replace(tzinfo=UTC)
    assert instant_in("-infinity") == datetime.min.replace(tzinfo=UTC)
    with pytest.raises(ValueError):
        instant_in("0044-03-15 12:00:00+00 BC")


def test_a_parameter_is_written_in_utc_and_a_date_is_refused() -> None:
    assert instant_out(datetime(2026, 7, 1, 12, tzinfo=AMSTERDAM)) == "2026-07-01T10:00:00+00:00"
    with pytest.raises(TypeError, match="takes a datetime"):
        instant_out(datetime(2026, 7, 1).date())  # type: ignore[arg-type]


@pytest_asyncio.fixture(loop_scope="function")
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    config = service_module("scheduling", "config")
    opened = await create_pool(settings_for("scheduling"), schema=config.SCHEMA)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.mark.asyncio(loop_scope="function")
async def test_the_pool_reads_instants_as_asyncpgs_binary_codec_does(
    pool: asyncpg.Pool, database_url: str
) -> None:
    native = await asyncpg.connect(database_url)
    try:
        query = "SELECT v, v + interval '1 day', ARRAY[v, v] FROM unnest($1::timestamptz[]) v"
        async with pool.acquire() as conn:
            ours = await conn.fetch(query, EDGES)
            settings = [await conn.fetchval(f"SHOW {name}") for name in INSTANT_SETTINGS]
            infinite = await conn.fetchval("SELECT 'infinity'::timestamptz")
        theirs = await native.fetch(query, EDGES)
    finally:
        await native.close()
    assert [tuple(row) for row in ours] == [tuple(row) for row in theirs]
    assert [row[0] for row in ours] == [edge.astimezone(UTC) for edge in EDGES]
    assert all(value.tzinfo is UTC for row in ours for value in row[:2])
    assert settings == ["UTC", "ISO, MDY"]
    assert infinite == datetime.max.replace(tzinfo=UTC)
