"""The processing log's retention, in each service on the real database: the job removes the
entries past the tenant's setting (five years unless chosen) and records it; the database still
refuses every change of an entry, and every removal but the job's of an entry over a year old."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import pytest_asyncio

from services.cli import service_module
from services.kit.db import create_pool, transaction
from services.kit.ids import uuid7
from services.kit.privacy.retention import KIT_RULES, PROCESSING_LOG, run
from services.kit.settings import Settings

NOW = datetime.now(UTC)
YEAR = timedelta(days=365)
SERVICES = ("scheduling", "accreditation", "invoicing")


@pytest_asyncio.fixture(params=SERVICES)
async def service(
    request: pytest.FixtureRequest, settings_for: Callable[..., Settings]
) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A service's schema and its pool, as its app has them (its role)."""
    schema = service_module(request.param, "config").SCHEMA
    pool = await create_pool(settings_for(request.param), schema=schema)
    try:
        yield schema, pool
    finally:
        await pool.close()


async def entry(pool: asyncpg.Pool, org: uuid.UUID, age: timedelta) -> uuid.UUID:
    """A processing log entry of ``org`` written ``age`` ago."""
    async with transaction(pool, org_id=org) as conn:
        return uuid.UUID(
            str(
                await conn.fetchval(
                    "INSERT INTO processing_log (org_id, id, at, actor_subject, actor_role,"
                    " operation, person_id, \"grant\") VALUES ($1, $2, $3, 'hr-1', 'hr',"
                    " 'exportSubject', $4, 'role hr') RETURNING id",
                    org,
                    uuid7(),
                    NOW - age,
                    uuid.uuid4(),
                )
            )
        )


async def kept(pool: asyncpg.Pool, org: uuid.UUID) -> list[uuid.UUID]:
    async with transaction(pool, org_id=org, readonly=True) as conn:
        return [r[0] for r in await conn.fetch("SELECT id FROM processing_log ORDER BY id")]


async def test_the_job_removes_entries_past_the_setting_and_records_it(
    service: tuple[str, asyncpg.Pool], org: uuid.UUID
) -> None:
    schema, pool = service
    old = [await entry(pool, org, age) for age in (6 * YEAR, 5 * YEAR + timedelta(days=2))]
    young = [await entry(pool, org, age) for age in (4 * YEAR, timedelta(days=1))]

    outcomes = await run(pool, KIT_RULES, schema=schema, as_of=NOW, orgs={org})

    assert [(o.rule, o.removed) for o in outcomes if o.rule == PROCESSING_LOG.name] == [
        ("processing_log", 2)
    ]
    assert await kept(pool, org) == young
    async with transaction(pool, org_id=org, readonly=True) as conn:
        recorded = await conn.fetchrow(
            "SELECT value, removed FROM retention_runs WHERE rule = 'processing_log'"
        )
    assert (recorded["value"], recorded["removed"]) == (5, 2)
    assert not set(old) & set(await kept(pool, org))


async def test_a_tenant_keeps_it_a_year_and_no_less(
    service: tuple[str, asyncpg.Pool], org: uuid.UUID
) -> None:
    schema, pool = service
    over = await entry(pool, org, YEAR + timedelta(days=3))
    under = await entry(pool, org, YEAR - timedelta(days=3))
    async with transaction(pool, org_id=org) as conn:
        await conn.execute(
            "INSERT INTO retention_settings (org_id, name, value, updated_by)"
            " VALUES ($1, 'processing_log_years', 0, 't')",  # stored before a floor, say
            org,
        )

    await run(pool, KIT_RULES, schema=schema, as_of=NOW, orgs={org})

    assert await kept(pool, org) == [under]
    assert over not in await kept(pool, org)


DELETE = "DELETE FROM processing_log WHERE id = $1"
APPEND_ONLY = (asyncpg.RaiseError, "append-only")
NOT_GRANTED = (asyncpg.InsufficientPrivilegeError, "permission denied")


@pytest.mark.parametrize(
    ("statement", "as_of", "refusal"),
    [
        (DELETE, None, APPEND_ONLY),
        (DELETE, "now", APPEND_ONLY),
        ("UPDATE processing_log SET actor_subject = 'else' WHERE id = $1", "now", NOT_GRANTED),
    ],
    ids=["a delete", "a delete of a young entry by the job", "an update"],
)
async def test_the_database_refuses_what_is_not_the_job_s_removal(
    service: tuple[str, asyncpg.Pool],
    org: uuid.UUID,
    statement: str,
    as_of: str | None,
    refusal: tuple[type[Exception], str],
) -> None:
    _, pool = service
    young = await entry(pool, org, YEAR - timedelta(days=1))
    with pytest.raises(refusal[0], match=refusal[1]):
        async with transaction(pool, org_id=org) as conn:
            if as_of is not None:
                await conn.execute(
                    "SELECT set_config('kring.retention_as_of', $1, true)", NOW.isoformat()
                )
            await conn.execute(statement, young)
    assert await kept(pool, org) == [young]
