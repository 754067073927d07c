"""Row-level security is the second lock: the service's role sees and writes only its tenant's rows,
even when a query forgets to filter on ``org_id``."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from services.kit.ids import uuid7


async def _connect_as_service(database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scheduling"})
    await conn.execute('SET ROLE "kring_scheduling"')
    return conn


async def _insert(conn: asyncpg.Connection, org: uuid.UUID, external_id: str) -> None:
    await conn.execute(
        "INSERT INTO people (org_id, id, external_id, given_name, family_name)"
        " VALUES ($1, $2, $3, 'A', 'B')",
        org,
        uuid7(),
        external_id,
    )


async def test_service_role_sees_only_the_tenant_of_the_transaction(database_url: str) -> None:
    tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
    conn = await _connect_as_service(database_url)
    try:
        for tenant in (tenant_a, tenant_b):
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.org_id', $1, true)", str(tenant))
                await _insert(conn, tenant, f"rls-{tenant}")

        async with conn.transaction():
            await conn.execute("SELECT set_config('app.org_id', $1, true)", str(tenant_a))
            # No org_id filter on purpose: the policy must still hold.
            seen = await conn.fetch("SELECT org_id FROM people WHERE external_id LIKE 'rls-%'")
        assert {row["org_id"] for row in seen} == {tenant_a}

        async with conn.transaction():
            assert await conn.fetchval("SELECT count(*) FROM people") == 0, "no tenant set: no rows"
    finally:
        await conn.close()


async def test_service_role_cannot_write_into_another_tenant(database_url: str) -> None:
    conn = await _connect_as_service(database_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.org_id', $1, true)", str(uuid.uuid4()))
                await _insert(conn, uuid.uuid4(), "intruder")
    finally:
        await conn.close()


async def test_service_role_does_not_own_its_tables(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        owners = await conn.fetch(
            "SELECT DISTINCT tableowner FROM pg_tables"
            " WHERE schemaname IN ('scheduling', 'accreditation', 'invoicing')"
        )
        assert {row["tableowner"] for row in owners} <= {
            "kring_scheduling_owner",
            "kring_accreditation_owner",
            "kring_invoicing_owner",
        }
    finally:
        await conn.close()
