"""One gapless series per supplier, under concurrency; issued invoices the database keeps."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from services.invoicing.config import SCHEMA
from services.invoicing.invoices import service
from services.invoicing.principal import Principal
from services.kit.db import create_pool, transaction
from services.kit.settings import Settings
from tests.conftest import Token, invoicing_client

from ..support import invoices_of, issued, kvk_number, participants, profile, sheet, today

CONCURRENT = 50
YEAR = today().year


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def crowded(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing in-process with a pool large enough for real contention: 25 transactions
    at once, each on a connection of its own."""
    async for client in invoicing_client(settings_for, scheduling_app, db_pool_max=25):
        yield client


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    """Connections as the app opens them (its role, schema and codecs), for transactions of
    a test's own."""
    opened = await create_pool(settings_for("invoicing"), schema=SCHEMA)
    try:
        yield opened
    finally:
        await opened.close()


async def drafts_of(
    client: httpx.AsyncClient, headers: dict[str, str], facilitator: uuid.UUID, count: int
) -> list[dict[str, Any]]:
    """The ``count`` drafts of a new cost sheet of ``facilitator``."""
    created = await sheet(client, headers, facilitator, participants=participants(count))
    drafts = await invoices_of(client, headers, created["id"])
    assert len(drafts) == count
    return drafts


async def issue(client: httpx.AsyncClient, headers: dict[str, str], draft: dict[str, Any]) -> str:
    response = await client.post(f"/v1/invoices/{draft['id']}/issue", headers=headers)
    assert response.status_code == 200, response.text
    number: str = response.json()["number"]
    return number


def series(prefix: str, numbers: range) -> list[str]:
    return [f"{prefix}-{YEAR}-{n:05d}" for n in numbers]


async def test_concurrent_issues_take_distinct_gapless_numbers(
    crowded: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(crowded, auth(), invoice_prefix="RACE", kvk_number=kvk_number())
    drafts = await drafts_of(crowded, auth(), facilitator, CONCURRENT)

    started = time.perf_counter()
    numbers = await asyncio.gather(*(issue(crowded, auth(), d) for d in drafts))
    elapsed = time.perf_counter() - started

    assert sorted(numbers) == series("RACE", range(1, CONCURRENT + 1))
    print(f"{CONCURRENT} concurrent issues on 25 connections in {elapsed:.2f}s")


async def test_one_supplier_in_two_tenants_never_reuses_a_number(
    crowded: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]
) -> None:
    """The bug this series fixed: the same supplier issued INT-2026-00001 in both tenants."""
    supplier = kvk_number()
    tenants = [token_for(uuid.uuid4(), "admin"), token_for(uuid.uuid4(), "admin")]
    work = []
    for headers in tenants:
        facilitator = await profile(crowded, headers, invoice_prefix="INT", kvk_number=supplier)
        work += [(headers, d) for d in await drafts_of(crowded, headers, facilitator, 25)]
    numbers = await asyncio.gather(*(issue(crowded, headers, d) for headers, d in work))

    assert sorted(numbers) == series("INT", range(1, CONCURRENT + 1))
    first_tenant = numbers[:25]
    assert len(set(first_tenant)) == 25 and set(first_tenant).isdisjoint(numbers[25:])


async def test_two_facilitators_with_their_own_prefixes_have_two_unbroken_series(
    crowded: httpx.AsyncClient, auth: Token
) -> None:
    anna = await profile(crowded, auth(), invoice_prefix="ANNA", kvk_number=kvk_number())
    bram = await profile(crowded, auth(), invoice_prefix="BRAM", kvk_number=kvk_number())
    drafts = await drafts_of(crowded, auth(), anna, 10) + await drafts_of(crowded, auth(), bram, 10)
    numbers = await asyncio.gather(*(issue(crowded, auth(), d) for d in drafts))

    assert sorted(numbers[:10]) == series("ANNA", range(1, 11))
    assert sorted(numbers[10:]) == series("BRAM", range(1, 11))


async def test_one_supplier_with_two_prefixes_has_one_series(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    """Two facilitators of one practice (one KvK number): one series, whatever the prefix."""
    practice = kvk_number()
    first = await profile(invoicing, auth(), invoice_prefix="ONE", kvk_number=practice)
    second = await profile(invoicing, auth(), invoice_prefix="TWO", kvk_number=practice)
    ones = await drafts_of(invoicing, auth(), first, 2)
    twos = await drafts_of(invoicing, auth(), second, 2)
    numbers = [await issue(invoicing, auth(), d) for d in (ones[0], twos[0], ones[1], twos[1])]
    prefixes = ["ONE", "TWO", "ONE", "TWO"]
    assert numbers == [f"{p}-{YEAR}-{n:05d}" for p, n in zip(prefixes, range(1, 5), strict=True)]


async def test_a_rolled_back_issue_leaves_no_gap(
    invoicing: httpx.AsyncClient, auth: Token, org: uuid.UUID, pool: asyncpg.Pool
) -> None:
    facilitator = await profile(invoicing, auth(), invoice_prefix="BACK", kvk_number=kvk_number())
    first, second = await drafts_of(invoicing, auth(), facilitator, 2)
    admin = Principal(subject="test", org_id=org, roles=frozenset({"admin"}))

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        async with transaction(pool, org_id=org) as conn:
            taken = await service.issue(conn, admin, uuid.UUID(first["id"]))
            assert taken.number == f"BACK-{YEAR}-00001"
            raise Abandoned

    assert [await issue(invoicing, auth(), d) for d in (second, first)] == series(
        "BACK", range(1, 3)
    )


async def test_a_credit_note_takes_the_next_number_of_the_suppliers_series(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth(), invoice_prefix="CRED", kvk_number=kvk_number())
    note = await invoicing.post(f"/v1/invoices/{invoice['id']}/credit-note", headers=auth())
    assert note.status_code == 201, note.text
    assert [invoice["number"], note.json()["number"]] == series("CRED", range(1, 3))


async def test_issuing_one_invoice_twice_at_once_numbers_it_once(
    crowded: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(crowded, auth(), invoice_prefix="TWICE", kvk_number=kvk_number())
    first, second = await drafts_of(crowded, auth(), facilitator, 2)
    responses = await asyncio.gather(
        *(crowded.post(f"/v1/invoices/{first['id']}/issue", headers=auth()) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert await issue(crowded, auth(), second) == f"TWICE-{YEAR}-00002"


async def _as_service(database_url: str, org: uuid.UUID) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "invoicing"})
    await conn.execute('SET ROLE "kring_invoicing"')
    await conn.execute("SELECT set_config('app.org_id', $1, false)", str(org))
    return conn


async def test_the_service_never_turns_a_counter_back(
    invoicing: httpx.AsyncClient, auth: Token, database_url: str, org: uuid.UUID
) -> None:
    await issued(invoicing, auth(), kvk_number=kvk_number())
    conn = await _as_service(database_url, org)
    try:
        for table in ("supplier_series", "invoice_prefixes"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(f"DELETE FROM {table}")
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoices SET total_cents = total_cents + 1, subtotal_cents = subtotal_cents + 1"
        " WHERE id = $1",
        "UPDATE invoices SET lines = '[]' WHERE id = $1",
        "UPDATE invoices SET number = number || 'X' WHERE id = $1",
        "UPDATE invoices SET status = 'draft', number = NULL, issue_date = NULL, due_date = NULL"
        " WHERE id = $1",
        "DELETE FROM invoices WHERE id = $1",
    ],
)
async def test_the_database_refuses_to_change_an_issued_invoice(
    invoicing: httpx.AsyncClient, auth: Token, database_url: str, org: uuid.UUID, statement: str
) -> None:
    invoice = await issued(invoicing, auth())
    conn = await _as_service(database_url, org)
    try:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="never"):
            await conn.execute(statement, uuid.UUID(invoice["id"]))
    finally:
        await conn.close()


async def test_the_database_records_payment_and_crediting_only(
    invoicing: httpx.AsyncClient, auth: Token, database_url: str, org: uuid.UUID
) -> None:
    invoice = await issued(invoicing, auth())
    invoice_id = uuid.UUID(invoice["id"])
    conn = await _as_service(database_url, org)
    try:
        await conn.execute(
            "UPDATE invoices SET status = 'paid', paid_on = '2026-12-01' WHERE id = $1", invoice_id
        )
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute(
                "UPDATE invoices SET paid_on = '2026-12-02' WHERE id = $1", invoice_id
            )
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute("UPDATE invoices SET status = 'issued' WHERE id = $1", invoice_id)
        await conn.execute("UPDATE invoices SET status = 'credited' WHERE id = $1", invoice_id)
        # A draft may still change or go.
        draft = next(
            i
            for i in await invoices_of(invoicing, auth(), invoice["cost_sheet_id"])
            if i["status"] == "draft"
        )
        await conn.execute("DELETE FROM invoices WHERE id = $1", uuid.UUID(draft["id"]))
    finally:
        await conn.close()
