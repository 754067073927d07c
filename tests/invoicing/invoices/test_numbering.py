"""Gapless numbers under concurrency; issued invoices that the database keeps unchanged."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator

import asyncpg
import httpx
import pytest

from services.invoicing.app import create_app
from services.kit.settings import Settings
from tests.conftest import Token
from tests.servers import ThreadedServer

from ..support import invoices_of, issued, participants, profile, sheet, today

CONCURRENT = 50


@pytest.fixture(scope="module")
def server(settings_for: Callable[..., Settings]) -> Iterator[ThreadedServer]:
    """The invoicing app under uvicorn, with a pool large enough for real contention."""
    with ThreadedServer(create_app(settings_for("invoicing", db_pool_max=25))) as running:
        yield running


async def test_concurrent_issues_take_distinct_gapless_numbers(
    server: ThreadedServer, auth: Token
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        facilitator = await profile(client, auth(), invoice_prefix="RACE")
        created = await sheet(client, auth(), facilitator, participants=participants(CONCURRENT))
        drafts = await invoices_of(client, auth(), created["id"])
        assert len(drafts) == CONCURRENT

        started = time.perf_counter()
        responses = await asyncio.gather(
            *(client.post(f"/v1/invoices/{d['id']}/issue", headers=auth()) for d in drafts)
        )
        elapsed = time.perf_counter() - started

    assert [r.status_code for r in responses] == [200] * CONCURRENT, [r.text for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    year = today().year
    assert numbers == [f"RACE-{year}-{n:05d}" for n in range(1, CONCURRENT + 1)]
    print(f"{CONCURRENT} concurrent issues over real HTTP in {elapsed:.2f}s")


async def test_issuing_one_invoice_twice_at_once_numbers_it_once(
    server: ThreadedServer, auth: Token
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        facilitator = await profile(client, auth(), invoice_prefix="TWICE")
        created = await sheet(client, auth(), facilitator)
        first, second, *_ = await invoices_of(client, auth(), created["id"])
        responses = await asyncio.gather(
            *(client.post(f"/v1/invoices/{first['id']}/issue", headers=auth()) for _ in range(10))
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * 9
        after = await client.post(f"/v1/invoices/{second['id']}/issue", headers=auth())
    assert after.json()["number"] == f"TWICE-{today().year}-00002"


async def _as_service(database_url: str, org: uuid.UUID) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "invoicing"})
    await conn.execute('SET ROLE "kring_invoicing"')
    await conn.execute("SELECT set_config('app.org_id', $1, false)", str(org))
    return conn


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
