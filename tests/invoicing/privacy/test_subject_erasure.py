"""A person's erasure in invoicing: refused while an invoice is open, held by law once
paid, and a retention of invoices below the legal minimum refused."""

from __future__ import annotations

import json
import uuid

import asyncpg
import httpx
import pytest

from services.invoicing.privacy.rules import REASON
from services.invoicing.privacy.schemas import ERASED_NAME
from tests.conftest import Token

from .support import YEAR, erase, sheet_names, year_of

UNTIL = f"{YEAR + 7}-12-31"


async def test_the_erasure_is_refused_while_an_invoice_is_unpaid(
    invoicing: httpx.AsyncClient, auth: Token, db: asyncpg.Connection
) -> None:
    person, _ = await year_of(invoicing, auth, settle=False)
    unpaid = person.invoices[1]
    refused = await invoicing.post(f"/v1/subjects/{person.id}/erasure", headers=auth())
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert [e["rule"] for e in problem["errors"]] == ["open_obligations"]
    assert problem["extra"]["invoices"] == [
        {"id": unpaid["id"], "number": unpaid["number"], "status": "issued"}
    ]
    # Nothing was destroyed.
    assert (
        await db.fetchval(
            "SELECT count(*) FROM person_billing WHERE person_id = $1", uuid.UUID(person.id)
        )
        == 1
    )
    assert (
        await db.fetchval("SELECT count(*) FROM debtors WHERE person_id = $1", uuid.UUID(person.id))
        == 1
    )
    names = await sheet_names(db, person)
    assert names == {person.name}
    missing = await invoicing.get(f"/v1/subjects/{person.id}/erasure", headers=auth())
    assert missing.status_code == 404


async def test_paid_invoices_are_held_with_the_legal_reason(
    invoicing: httpx.AsyncClient, auth: Token, db: asyncpg.Connection
) -> None:
    person, _ = await year_of(invoicing, auth)
    erased = await erase(invoicing, auth(), person.id, 201)
    assert (erased["person_id"], erased["status"]) == (person.id, "held")
    numbered = [*person.invoices, *person.credit_notes]
    assert sorted(erased["held"], key=lambda h: h["id"]) == sorted(
        (
            {
                "kind": i["kind"],
                "id": i["id"],
                "number": i["number"],
                "reason": REASON,
                "until": UNTIL,
            }
            for i in numbered
        ),
        key=lambda h: h["id"],
    )
    assert await erase(invoicing, auth(), person.id, 200) == erased
    again = await invoicing.get(f"/v1/subjects/{person.id}/erasure", headers=auth())
    assert (again.status_code, again.json()) == (200, erased)

    person_id = uuid.UUID(person.id)
    for table in ("person_billing", "debtors"):
        assert (
            await db.fetchval(f"SELECT count(*) FROM {table} WHERE person_id = $1", person_id) == 0
        )
    assert await db.fetchval("SELECT count(*) FROM debtors WHERE name = $1", person.name) == 0
    assert await sheet_names(db, person) == {ERASED_NAME}
    kept = await db.fetch("SELECT participant_name FROM invoices WHERE person_id = $1", person_id)
    assert len(kept) == 3 and {r["participant_name"] for r in kept} == {person.name}
    event = await db.fetchrow(
        "SELECT payload FROM outbox WHERE type = 'subject.erased' AND aggregate_id = $1",
        person_id,
    )
    assert event is not None
    payload = json.loads(event["payload"])
    assert (payload["person_id"], payload["status"]) == (person.id, "held")
    assert sorted(payload["held"]) == sorted(h["id"] for h in erased["held"])
    assert (
        await db.fetchval(
            "SELECT count(*) FROM processing_log"
            " WHERE person_id = $1 AND operation = 'eraseSubject'",
            person_id,
        )
        == 1
    )


async def test_a_person_with_no_invoices_is_erased_at_once(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    nobody = uuid.uuid4()
    erased = await erase(invoicing, auth(), str(nobody), 201)
    assert (erased["status"], erased["held"]) == ("erased", [])


async def test_the_database_deletes_an_issued_invoice_only_past_its_retention(
    invoicing: httpx.AsyncClient, auth: Token, db: asyncpg.Connection
) -> None:
    person, _ = await year_of(invoicing, auth)
    paid = uuid.UUID(person.invoices[0]["id"])
    async with db.transaction():
        await db.execute(
            "SELECT set_config('kring.retention_as_of', $1, true)", f"{YEAR + 7}-12-31"
        )
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="retention"):
            await db.execute("DELETE FROM invoices WHERE id = $1", paid)
    async with db.transaction():
        await db.execute(
            "SELECT set_config('kring.retention_as_of', $1, true)", f"{YEAR + 8}-01-01"
        )
        assert await db.execute("DELETE FROM invoices WHERE id = $1", paid) == "DELETE 1"


async def test_a_retention_of_invoices_below_seven_years_is_refused(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    refused = await invoicing.put(
        "/v1/retention-settings", json={"settings": {"invoices_years": 6}}, headers=auth()
    )
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.settings.invoices_years", "legal_minimum")
    ]
    longer = await invoicing.put(
        "/v1/retention-settings", json={"settings": {"invoices_years": 10}}, headers=auth()
    )
    assert longer.status_code == 200, longer.text
    person, _ = await year_of(invoicing, auth)
    erased = await erase(invoicing, auth(), person.id, 201)
    assert {h["until"] for h in erased["held"]} == {f"{YEAR + 10}-12-31"}
