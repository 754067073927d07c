"""Invoicing's revision 0013 on legacy data: whom each invoice bills, told from what is stored.

A new database is migrated to 0012, given invoices whose buyers are the person's own debtor,
the employer's linked debtor, a private address given on a cost sheet and debtors whose data
moved since, and migrated to 0013. Each must then bill whom ADR 0097 says (a buyer that
cannot be told is ``other``, never the employer's), a credit note whom its invoice billed,
and the invoice events already written must say it too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from services.invoicing.config import SCHEMA

from .legacy import invoicing_migrated

ORG, EMPLOYER, FACILITATOR, SHEET = (uuid.uuid4() for _ in range(4))
WORK, OWN, MOVED_OWN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ADDRESS = {"street": "Lange Nieuwstraat 2", "postal_code": "3512 PA", "city": "Utrecht",
           "country_code": "NL"}  # fmt: skip
EMPLOYERS = {"name": "Gemeente Utrecht", **ADDRESS, "kvk_number": "30280353"}
PRIVATE = {"name": "A. Bakker", **ADDRESS}
MADE, EARLIER = datetime(2026, 3, 1), datetime(2026, 1, 1)

INVOICES: dict[str, tuple[uuid.UUID, dict[str, Any] | None]] = {
    # name: (person, buyer as the invoice stated it)
    "own": (uuid.uuid4(), {**PRIVATE, "email": None}),  # the person's own debtor, exactly
    "employer": (uuid.uuid4(), EMPLOYERS),  # the linked debtor, exactly
    "given": (uuid.uuid4(), {**PRIVATE, "name": "C. Smit"}),  # a private address sent
    "employer_moved": (uuid.uuid4(), {**EMPLOYERS, "street": "Stadsplateau 1"}),
    "self_since": (uuid.uuid4(), {**PRIVATE, "name": "D. Vos", "city": "Zeist"}),
    "held": (uuid.uuid4(), None),
}
EXPECTED = {"own": "person", "employer": "employer", "given": "other",
            "employer_moved": "other", "self_since": "person", "held": None}  # fmt: skip
IDS = {name: uuid.uuid4() for name in INVOICES}
NOTES = {name: uuid.uuid4() for name in ("own", "employer")}


async def _debtor(conn: asyncpg.Connection, debtor_id: uuid.UUID, data: dict[str, Any],
                  person_id: uuid.UUID | None = None) -> None:  # fmt: skip
    await conn.execute(
        """
        INSERT INTO debtors (org_id, id, name, street, postal_code, city, country_code,
                             kvk_number, person_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        *(ORG, debtor_id, data["name"], data["street"], data["postal_code"], data["city"]),
        *(data["country_code"], data.get("kvk_number"), person_id),
    )


async def _legacy(url: str) -> None:
    conn = await asyncpg.connect(url, server_settings={"search_path": SCHEMA})
    try:
        async with conn.transaction():
            await _rows(conn)
    finally:
        await conn.close()


async def _rows(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """
        INSERT INTO billing_profiles (org_id, id, facilitator_id, legal_name, street,
            postal_code, city, kvk_number, btw_id, iban, invoice_prefix)
        VALUES ($1, $2, $3, 'Praktijk', 'Oudegracht 1', '3511 AA', 'Utrecht', '12345678',
                'NL000099998B57', 'NL91ABNA0417164300', 'PDV')
        """,
        *(ORG, uuid.uuid4(), FACILITATOR),
    )
    await conn.execute(
        """
        INSERT INTO cost_sheets (org_id, id, session_id, facilitator_id, description,
            session_starts_at, session_ends_at, supply_date, preparation_minutes,
            travel_minutes, travel_km, hourly_rate_cents, rate_per_km_cents,
            location_cents, other_cents, sharing, participants)
        VALUES ($1, $2, $2, $3, 'Intervisie', '2026-01-05 13:30+01', '2026-01-05 16:00+01',
                '2026-01-05', 0, 0, 0, 12500, 23, 0, 0, 'attendees', '[]')
        """,
        *(ORG, SHEET, FACILITATOR),
    )
    await _debtor(conn, WORK, EMPLOYERS)
    await conn.execute(
        "INSERT INTO client_organisation_debtors (org_id, client_organisation_id, debtor_id)"
        " VALUES ($1, $2, $3)",
        *(ORG, EMPLOYER, WORK),
    )
    own_person, since_person = INVOICES["own"][0], INVOICES["self_since"][0]
    await _debtor(conn, OWN, PRIVATE, own_person)
    await _debtor(conn, MOVED_OWN, {**PRIVATE, "name": "D. Vos"}, since_person)  # moved since
    await conn.executemany(
        "INSERT INTO person_billing (org_id, person_id, pays, debtor_id, created_at, updated_at)"
        " VALUES ($1, $2, 'self', $3, $4, $4)",
        [(ORG, own_person, OWN, MADE), (ORG, since_person, MOVED_OWN, EARLIER)],
    )
    for position, (name, (person, buyer)) in enumerate(INVOICES.items()):
        held = buyer is None
        await conn.execute(
            """
            INSERT INTO invoices (org_id, id, kind, status, cost_sheet_id, position,
                facilitator_id, person_id, participant_name, description, supply_date, seller,
                buyer, lines, btw_rate_percent, subtotal_cents, btw_cents, total_cents, number,
                issue_date, due_date, needs, client_organisation_id, created_at)
            VALUES ($1, $2, 'invoice', $3, $4, $5, $6, $7, 'Deelnemer', 'Intervisie',
                    '2026-01-05', '{}', $8::jsonb, '[]', 21, 100, 21, 121, $9, $10, $10,
                    $11::jsonb, $12, $13)
            """,
            *(ORG, IDS[name], "needs_debtor" if held else "issued", SHEET, position),
            *(FACILITATOR, person, None if held else json.dumps(buyer)),
            *(None if held else f"PDV-2026-{position + 1:05d}", None if held else MADE.date()),
            json.dumps([{"field": "debtor", "rule": "debtor_required", "message": "-"}] * held),
            *(EMPLOYER, MADE),
        )
    for number, (name, note) in enumerate(NOTES.items(), start=100):
        await conn.execute(
            """
            INSERT INTO invoices (org_id, id, kind, status, cost_sheet_id, position,
                facilitator_id, person_id, participant_name, description, supply_date, seller,
                buyer, lines, btw_rate_percent, subtotal_cents, btw_cents, total_cents, number,
                issue_date, due_date, credits_id, credits_number, credits_issue_date)
            SELECT org_id, $2, 'credit_note', 'issued', cost_sheet_id, position,
                facilitator_id, person_id, participant_name, description, supply_date, seller,
                buyer, lines, 21, -100, -21, -121, $3, issue_date, due_date, id, number,
                issue_date
            FROM invoices WHERE id = $1
            """,
            *(IDS[name], note, f"PDV-2026-{number:05d}"),
        )
    await conn.executemany(
        "INSERT INTO outbox (id, org_id, type, aggregate_id, payload)"
        " VALUES ($1, $2, 'invoice.issued', $3, $4::jsonb)",
        [
            (uuid.uuid4(), ORG, IDS[name], json.dumps({"client_organisation_id": str(EMPLOYER)}))
            for name in ("own", "employer")
        ],
    )


@pytest.fixture(scope="module")
def migrated(database_url: str) -> Iterator[str]:
    """A new database at 0012 with the legacy invoices, then migrated to 0013."""
    with invoicing_migrated(
        database_url, "kring_billed_to", before="0012", after="0013", legacy=_legacy
    ) as url:
        yield url


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, server_settings={"search_path": SCHEMA})
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


async def test_each_invoice_bills_whom_its_stored_data_tells(migrated: str) -> None:
    rows = await _fetch(migrated, "SELECT id, billed_to FROM invoices")
    billed = {row["id"]: row["billed_to"] for row in rows}
    assert {name: billed[IDS[name]] for name in INVOICES} == EXPECTED
    assert {name: billed[note] for name, note in NOTES.items()} == {
        "own": "person",
        "employer": "employer",
    }


async def test_the_events_written_say_whom_their_invoice_bills(migrated: str) -> None:
    rows = await _fetch(migrated, "SELECT aggregate_id, payload FROM outbox")
    said = {row["aggregate_id"]: json.loads(row["payload"])["billed_to"] for row in rows}
    assert said == {IDS["own"]: "person", IDS["employer"]: "employer"}


async def test_an_issued_invoice_still_never_changes(migrated: str) -> None:
    conn = await asyncpg.connect(migrated, server_settings={"search_path": SCHEMA})
    try:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="never changes"):
            await conn.execute(
                "UPDATE invoices SET billed_to = 'employer' WHERE id = $1", IDS["own"]
            )
    finally:
        await conn.close()
