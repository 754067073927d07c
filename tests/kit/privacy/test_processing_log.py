"""The processing log on the real database: written in the request's transaction, readable by
its tenant alone, and never rewritten (the service's role may not, and a trigger refuses the
owner too)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
import pytest_asyncio

from services.kit.db import transaction
from services.kit.principal import Principal
from services.kit.privacy import processing_log
from services.kit.settings import Settings
from tests.kit.privacy.support import as_owner, service_pool


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    async with service_pool(settings_for) as pool:
        yield pool


def reader(org: uuid.UUID, *roles: str) -> Principal:
    return Principal(subject="reader-1", org_id=org, roles=frozenset(roles or ("registrar",)))


async def logged_for(pool: asyncpg.Pool, org: uuid.UUID) -> list[asyncpg.Record]:
    async with transaction(pool, org_id=org, readonly=True) as conn:
        return await conn.fetch('SELECT *, "grant" AS why FROM processing_log ORDER BY id')


async def test_an_entry_says_who_when_what_and_why(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    person = uuid.uuid4()
    async with transaction(pool, org_id=org) as conn:
        await processing_log.record(
            conn,
            reader(org),
            operation="listRegistrants",
            person_id=person,
            scope="register SKJ",
            grant="role registrar of register SKJ",
        )
    (entry,) = await logged_for(pool, org)
    assert entry["org_id"] == org and entry["person_id"] == person
    assert (entry["actor_subject"], entry["actor_role"]) == ("reader-1", "registrar")
    assert (entry["operation"], entry["scope"]) == ("listRegistrants", "register SKJ")
    assert entry["why"] == "role registrar of register SKJ"
    assert entry["at"] is not None


async def test_an_entry_is_undone_with_the_request_that_failed(
    pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(pool, org_id=org) as conn:
            await processing_log.record(
                conn, reader(org), operation="x", person_id=uuid.uuid4(), grant="role admin"
            )
            raise RuntimeError("the answer failed")
    assert await logged_for(pool, org) == []


async def test_a_read_only_transaction_cannot_log(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with transaction(pool, org_id=org, readonly=True) as conn:
            await processing_log.record(
                conn, reader(org), operation="x", person_id=uuid.uuid4(), grant="role admin"
            )


async def test_a_page_of_registrants_is_logged_in_one_statement(
    pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    people = [uuid.uuid4() for _ in range(3)]
    async with transaction(pool, org_id=org) as conn:
        await processing_log.record_each(
            conn,
            reader(org),
            operation="listRegistrants",
            grant="role registrar of register SKJ",
            person_ids=people,
            scope="register SKJ",
        )
        await processing_log.record_each(
            conn, reader(org), operation="listRegistrants", grant="g", person_ids=[]
        )
    entries = await logged_for(pool, org)
    assert sorted(e["person_id"] for e in entries) == sorted(people)
    assert len({e["id"] for e in entries}) == 3


async def test_another_tenant_sees_no_entry(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    async with transaction(pool, org_id=org) as conn:
        await processing_log.record(
            conn, reader(org), operation="x", person_id=uuid.uuid4(), grant="role admin"
        )
    assert await logged_for(pool, uuid.uuid4()) == []
    assert len(await logged_for(pool, org)) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE processing_log SET operation = 'nothing' WHERE org_id = $1",
        "DELETE FROM processing_log WHERE org_id = $1",
    ],
)
async def test_the_service_may_not_rewrite_the_log(
    pool: asyncpg.Pool, org: uuid.UUID, statement: str
) -> None:
    async with transaction(pool, org_id=org) as conn:
        await processing_log.record(
            conn, reader(org), operation="x", person_id=uuid.uuid4(), grant="role admin"
        )
    # No update is granted; a delete is, for the retention job, and the log's trigger refuses
    # it but for the job's of an entry over a year old (test_processing_log_retention).
    with pytest.raises((asyncpg.InsufficientPrivilegeError, asyncpg.RaiseError)):
        async with transaction(pool, org_id=org) as conn:
            await conn.execute(statement, org)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with transaction(pool, org_id=org) as conn:
            await conn.execute("TRUNCATE processing_log")
    assert len(await logged_for(pool, org)) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE processing_log SET operation = 'nothing' WHERE org_id = $1",
        "DELETE FROM processing_log WHERE org_id = $1",
    ],
)
async def test_not_even_the_owner_rewrites_the_log(
    pool: asyncpg.Pool, org: uuid.UUID, database_url: str, statement: str
) -> None:
    async with transaction(pool, org_id=org) as conn:
        await processing_log.record(
            conn, reader(org), operation="x", person_id=uuid.uuid4(), grant="role admin"
        )
    async with as_owner(database_url) as owner:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await owner.execute(statement, org)
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await owner.execute("TRUNCATE processing_log")
    assert len(await logged_for(pool, org)) == 1
