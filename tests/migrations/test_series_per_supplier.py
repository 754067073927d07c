"""Invoicing's revision 0004 on legacy data: series per prefix become series per supplier.

A new database is migrated to 0003, given the numbers the series per tenant and prefix
left behind (two suppliers sharing one prefix's counter, one supplier numbering in two
tenants), and migrated to 0004. Then the counters and prefixes must be what ADR 0022
says, the numbers issued afterwards must never repeat one in their tenant, and the
previous release's statement must take its numbers from the same counters.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime

import asyncpg
import pytest
import pytest_asyncio

from services.invoicing.config import SCHEMA
from services.invoicing.invoices import repository as invoices
from services.invoicing.profiles import repository as profiles
from services.invoicing.profiles import service as prefixes
from services.kit.errors import Conflict
from services.kit.migrations import app_role

from .legacy import invoicing_migrated

T1, T2 = uuid.uuid4(), uuid.uuid4()
K1, K2, K3, K4 = "11111111", "22222222", "33333333", "44444444"

PROFILES = [  # tenant, facilitator, KvK number, prefix, created
    (T1, uuid.uuid4(), K1, "SHARED", datetime(2024, 1, 1)),
    (T1, uuid.uuid4(), K2, "SHARED", datetime(2024, 2, 1)),
    (T1, uuid.uuid4(), K3, "INT", datetime(2024, 3, 1)),
    (T1, uuid.uuid4(), K4, "NEW", datetime(2024, 4, 1)),
    (T2, uuid.uuid4(), K3, "INT", datetime(2024, 5, 1)),
]
ISSUED = [  # tenant, KvK number, number: what the counter per tenant and prefix gave
    (T1, K1, "SHARED-2025-00007"),
    (T1, K1, "SHARED-2026-00001"),
    (T1, K2, "SHARED-2026-00002"),
    (T1, K1, "SHARED-2026-00003"),
    (T1, K2, "SHARED-2026-00004"),
    (T1, K3, "INT-2026-00001"),
    (T2, K3, "INT-2026-00001"),
    (T2, K3, "INT-2026-00002"),
]
OLD_SERIES = [(T1, "SHARED", 2025, 7), (T1, "SHARED", 2026, 4), (T1, "INT", 2026, 1),
              (T2, "INT", 2026, 2)]  # fmt: skip

PREVIOUS_RELEASE = """
    INSERT INTO invoice_series (org_id, prefix, year, last_number)
    VALUES ($1, $2, $3, 1)
    ON CONFLICT (org_id, prefix, year)
    DO UPDATE SET last_number = invoice_series.last_number + 1
    RETURNING last_number
"""


async def _legacy(url: str) -> None:
    conn = await asyncpg.connect(url, server_settings={"search_path": SCHEMA})
    try:
        for org, facilitator, kvk, prefix, created in PROFILES:
            await conn.execute(
                """
                INSERT INTO billing_profiles (org_id, id, facilitator_id, legal_name, street,
                    postal_code, city, kvk_number, btw_id, iban, invoice_prefix, created_at)
                VALUES ($1, $2, $3, 'Praktijk', 'Oudegracht 1', '3511 AA', 'Utrecht', $4,
                        'NL000099998B57', 'NL91ABNA0417164300', $5, $6)
                """,
                *(org, uuid.uuid4(), facilitator, kvk, prefix, created),
            )
            await conn.execute(
                """
                INSERT INTO cost_sheets (org_id, id, session_id, facilitator_id, description,
                    session_starts_at, session_ends_at, supply_date, preparation_minutes,
                    travel_minutes, travel_km, hourly_rate_cents, rate_per_km_cents,
                    location_cents, other_cents, sharing, participants)
                VALUES ($1, $2, $2, $3, 'Intervisie', '2026-01-05 13:30+01',
                        '2026-01-05 16:00+01', '2026-01-05', 0, 0, 0, 12500, 23, 0, 0,
                        'attendees', '[]')
                """,
                *(org, facilitator, facilitator),
            )
        for position, (org, kvk, number) in enumerate(ISSUED):
            facilitator = next(p[1] for p in PROFILES if p[0] == org and p[2] == kvk)
            issued_on = date(int(number.split("-")[-2]), 1, 5)
            await conn.execute(
                """
                INSERT INTO invoices (org_id, id, kind, status, cost_sheet_id, position,
                    facilitator_id, person_id, participant_name, description, supply_date,
                    seller, buyer, lines, btw_rate_percent, subtotal_cents, btw_cents,
                    total_cents, number, issue_date, due_date)
                VALUES ($1, $2, 'invoice', 'issued', $3, $4, $3, $2, 'Deelnemer',
                        'Intervisie', $7, $5::jsonb, '{}', '[]', 21, 100, 21, 121, $6, $7, $7)
                """,
                *(org, uuid.uuid4(), facilitator, position, _seller(kvk, number), number),
                issued_on,
            )
        await conn.executemany(
            "INSERT INTO invoice_series (org_id, prefix, year, last_number)"
            " VALUES ($1, $2, $3, $4)",
            OLD_SERIES,
        )
    finally:
        await conn.close()


def _seller(kvk: str, number: str) -> str:
    return json.dumps({"kvk_number": kvk, "invoice_prefix": number.rsplit("-", 2)[0]})


@pytest.fixture(scope="module")
def migrated(database_url: str) -> Iterator[str]:
    """A new database at 0003 with the legacy numbers, then migrated to 0004."""
    with invoicing_migrated(
        database_url, "kring_series", before="0003", after="0004", legacy=_legacy
    ) as url:
        yield url


@pytest_asyncio.fixture
async def as_service(migrated: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the service's role in a transaction that is rolled back afterwards, so
    each test starts from the migrated data; ``tenant`` switches its tenant."""
    conn = await asyncpg.connect(migrated, server_settings={"search_path": SCHEMA})
    await conn.execute(f'SET ROLE "{app_role(SCHEMA)}"')
    transaction = conn.transaction()
    await transaction.start()
    try:
        yield conn
    finally:
        await transaction.rollback()
        await conn.close()


async def tenant(conn: asyncpg.Connection, org: uuid.UUID) -> None:
    await conn.execute("SELECT set_config('app.org_id', $1, true)", str(org))


async def test_each_counter_starts_after_every_number_it_continues(migrated: str) -> None:
    conn = await asyncpg.connect(migrated, server_settings={"search_path": SCHEMA})
    try:
        counters = await conn.fetch("SELECT * FROM supplier_series ORDER BY kvk_number, year")
        claims = await conn.fetch(
            "SELECT org_id, prefix, kvk_number, numbered FROM invoice_prefixes"
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in counters] == [
        (K1, 2025, 7),  # its own SHARED-2025-00007
        (K1, 2026, 3),  # its own 00001 and 00003; SHARED went to K2
        (K2, 2025, 7),  # SHARED's 2025 numbers, which it now continues
        (K2, 2026, 4),
        (K3, 2026, 2),  # INT-2026-00001 twice (both tenants) and 00002: never again
    ]
    assert {tuple(row) for row in claims} == {
        (T1, "SHARED", K2, True),  # the supplier of its latest number
        (T1, "INT", K3, True),
        (T1, "NEW", K4, False),  # a profile's, never numbered under
        (T2, "INT", K3, True),
    }


async def test_after_the_migration_no_number_repeats_in_its_tenant(
    as_service: asyncpg.Connection,
) -> None:
    async def take(org: uuid.UUID, kvk: str, prefix: str) -> str:
        await tenant(as_service, org)
        numbered_under = await prefixes.series_prefix(as_service, org, prefix, kvk)
        return f"{numbered_under}-2026-{await invoices.next_number(as_service, kvk, 2026):05d}"

    with pytest.raises(Conflict, match="has no prefix of its own"):
        await take(T1, K1, "SHARED")  # lost SHARED and holds no other prefix in T1
    await tenant(as_service, T1)
    assert await profiles.claim_prefix(as_service, T1, "OWN", K1, numbering=False) == K1

    issued = {org: {n for o, _, n in ISSUED if o == org} for org in (T1, T2)}
    for _ in range(3):
        for org, kvk, prefix in ((T1, K1, "SHARED"), (T1, K2, "SHARED"), (T1, K3, "INT"),
                                 (T2, K3, "INT"), (T1, K4, "NEW")):  # fmt: skip
            number = await take(org, kvk, prefix)
            assert number not in issued[org]
            issued[org].add(number)
    assert {n for n in issued[T1] if n.startswith("OWN-")} == {
        "OWN-2026-00004",
        "OWN-2026-00005",
        "OWN-2026-00006",
    }
    assert sorted(n for n in issued[T2] if n.startswith("INT-")) == [
        f"INT-2026-{n:05d}"
        for n in (1, 2, 4, 6, 8)  # K3's 3, 5 and 7 went to T1
    ]


async def test_the_previous_release_numbers_from_the_suppliers_counter(
    as_service: asyncpg.Connection,
) -> None:
    await tenant(as_service, T1)
    taken = [await as_service.fetchval(PREVIOUS_RELEASE, T1, "SHARED", 2026) for _ in range(2)]
    assert taken == [5, 6]  # K2's series
    assert await invoices.next_number(as_service, K2, 2026) == 7
    assert await as_service.fetchval(PREVIOUS_RELEASE, T1, "NEW", 2026) == 1  # K4's first
    assert await invoices.next_number(as_service, K4, 2026) == 2


async def test_the_previous_release_claims_a_prefix_one_supplier_holds(
    as_service: asyncpg.Connection,
) -> None:
    await tenant(as_service, T1)
    await as_service.execute(
        """
        INSERT INTO billing_profiles (org_id, id, facilitator_id, legal_name, street,
            postal_code, city, kvk_number, btw_id, iban, invoice_prefix)
        VALUES ($1, $2, $2, 'Laat', 'Oudegracht 1', '3511 AA', 'Utrecht', '55555555',
                'NL000099998B57', 'NL91ABNA0417164300', 'LATE')
        """,
        T1,
        uuid.uuid4(),
    )
    assert await as_service.fetchval(PREVIOUS_RELEASE, T1, "LATE", 2026) == 1
    assert await profiles.claim_prefix(as_service, T1, "LATE", K1, numbering=False) == "55555555"
    with pytest.raises(asyncpg.ObjectNotInPrerequisiteStateError, match="no single supplier"):
        await as_service.fetchval(PREVIOUS_RELEASE, T1, "NOBODY", 2026)
