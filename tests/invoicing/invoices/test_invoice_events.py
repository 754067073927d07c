"""Invoices' events: `invoice.issued`, `invoice.paid`, `invoice.credited`, each written once in
the transaction of its change (none when it rolls back), served by the feed.

The feed holds back events while an older transaction anywhere in the cluster is in flight,
so a test that expects nothing waits for a later event instead: the feed is ordered, and
what it shows before that event is everything there is.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.invoicing.config import SCHEMA
from services.invoicing.invoices import service
from services.invoicing.principal import Principal
from services.kit.db import create_pool, transaction
from services.kit.settings import Settings
from tests.conftest import Token
from tests.scheduling.sessions.support import events

from ..relations.support import link
from ..support import MUNICIPALITY, credit, invoices_of, issued, participants, profile, sheet

COMMON = (
    "invoice_id",
    "number",
    "cost_sheet_id",
    "facilitator_id",
    "person_id",
    "client_organisation_id",
    "billed_to",
    "total_cents",
)


def _common(invoice: dict[str, Any]) -> dict[str, Any]:
    """What every invoice event states of ``invoice`` (its JSON), and nothing else."""
    return {
        "invoice_id": invoice["id"],
        **{key: invoice[key] for key in COMMON[1:]},
    }


def _issued_data(invoice: dict[str, Any]) -> dict[str, Any]:
    keys = ("issue_date", "due_date", "supply_date", "subtotal_cents", "btw_cents")
    return {
        **_common(invoice),
        **{key: invoice[key] for key in keys},
        "btw_rate_percent": invoice["btw_rate_percent"],
    }


async def _pay(client: httpx.AsyncClient, headers: dict[str, str], invoice: dict[str, Any]) -> Any:
    response = await client.post(
        f"/v1/invoices/{invoice['id']}/payment", json={"paid_on": "2026-12-01"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_issuing_by_hand_announces_the_invoice_once(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    again = await invoicing.post(f"/v1/invoices/{invoice['id']}/issue", headers=auth())
    assert again.status_code == 409
    paid = await _pay(invoicing, auth(), invoice)

    items, _ = await events(invoicing, auth, expect=2)
    assert [e["type"] for e in items] == ["invoice.issued", "invoice.paid"]
    assert {e["aggregate_id"] for e in items} == {invoice["id"]}
    assert items[0]["data"] == _issued_data(invoice)
    assert items[1]["data"] == {**_common(invoice), "paid_on": paid["paid_on"]}


async def test_a_paid_invoice_credited_says_it_is_refunded(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    await _pay(invoicing, auth(), invoice)
    note = await credit(invoicing, auth(), invoice["id"])
    twice = await invoicing.post(f"/v1/invoices/{invoice['id']}/credit-note", headers=auth())
    assert twice.status_code == 409

    items, _ = await events(invoicing, auth, expect=3)
    assert [e["type"] for e in items] == ["invoice.issued", "invoice.paid", "invoice.credited"]
    credited = items[2]
    assert credited["aggregate_id"] == invoice["id"]  # the invoice credited, not the note
    assert credited["data"] == {
        **_common(invoice),
        "credit_note_id": note["id"],
        "credit_note_number": note["number"],
        "credit_note_issue_date": note["issue_date"],
        "paid_on": "2026-12-01",
    }


async def test_an_unpaid_invoice_credited_says_nothing_is_refunded(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    note = await credit(invoicing, auth(), invoice["id"])

    items, _ = await events(invoicing, auth, expect=2)
    assert [e["type"] for e in items] == ["invoice.issued", "invoice.credited"]
    assert items[1]["data"]["credit_note_number"] == note["number"]
    assert items[1]["data"]["paid_on"] is None


async def test_the_events_carry_no_name_or_address(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    await credit(invoicing, auth(), invoice["id"])
    items, _ = await events(invoicing, auth, expect=2)
    text = str([e["data"] for e in items])
    for personal in (invoice["participant_name"], MUNICIPALITY["name"], MUNICIPALITY["street"]):
        assert personal not in text


async def test_a_refused_issue_announces_nothing(invoicing: httpx.AsyncClient, auth: Token) -> None:
    """A supplier without a contact e-mail cannot bill a government buyer (the Rijk's rule)."""
    facilitator = await profile(invoicing, auth(), email=None)
    created = await sheet(invoicing, auth(), facilitator)
    draft = (await invoices_of(invoicing, auth(), created["id"]))[0]
    refused = await invoicing.post(f"/v1/invoices/{draft['id']}/issue", headers=auth())
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("seller.email", "supplier_email_required")
    ]
    still = await invoicing.get(f"/v1/invoices/{draft['id']}", headers=auth())
    assert (still.json()["status"], still.json()["number"]) == ("draft", None)

    private = await sheet(invoicing, auth(), facilitator, participants=participants(2))
    other = (await invoices_of(invoicing, auth(), private["id"]))[0]
    assert (await invoicing.post(f"/v1/invoices/{other['id']}/issue", headers=auth())).is_success
    items, _ = await events(invoicing, auth, expect=1)
    assert [e["aggregate_id"] for e in items] == [other["id"]]


async def test_hr_reads_the_invoice_events_of_its_own_people_only(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    own, other = str(uuid.uuid4()), str(uuid.uuid4())
    for employer in (own, other):  # the debtor given on the sheet is each employer's own
        await link(invoicing, auth(), uuid.UUID(employer), MUNICIPALITY)
    facilitator = await profile(invoicing, auth())
    people = [
        {**p, "client_organisation_id": employer}
        for p, employer in zip(participants(2, employer=MUNICIPALITY), (own, other), strict=True)
    ]
    created = await sheet(invoicing, auth(), facilitator, participants=people)
    for invoice in await invoices_of(invoicing, auth(), created["id"]):
        issuing = await invoicing.post(f"/v1/invoices/{invoice['id']}/issue", headers=auth())
        assert issuing.status_code == 200, issuing.text
    everything, _ = await events(invoicing, auth, expect=2)

    for employer in (own, other):
        response = await invoicing.get("/v1/events", headers=auth("hr", client_org=employer))
        assert response.status_code == 200
        [seen] = response.json()["items"]
        assert (seen["data"]["client_organisation_id"], seen["data"]["billed_to"]) == (
            employer,
            "employer",
        )
        assert seen in everything
    nobody = await invoicing.get("/v1/events", headers=auth("hr"))
    assert nobody.json()["items"] == [], "an HR token without its organisation sees nothing"
    for denied in ("participant", "service"):  # no service consumes invoicing's events
        response = await invoicing.get("/v1/events", headers=auth(denied))
        assert response.status_code == 403, denied


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings_for("invoicing"), schema=SCHEMA)
    yield pool
    await pool.close()


async def _outbox(conn: asyncpg.Connection, org: uuid.UUID) -> list[tuple[str, uuid.UUID]]:
    rows = await conn.fetch(
        "SELECT type, aggregate_id FROM outbox WHERE org_id = $1 ORDER BY position", org
    )
    return [(row["type"], row["aggregate_id"]) for row in rows]


class RolledBack(Exception):
    pass


async def test_the_events_commit_with_the_issue_or_not_at_all(
    invoicing: httpx.AsyncClient, auth: Token, org: uuid.UUID, pool: asyncpg.Pool
) -> None:
    """Issued in the caller's transaction, as ``auto_issue`` issues a sheet's drafts: each
    draft's event is written there, and a rollback takes the events back with the numbers.
    The same for crediting, by hand or when a cancelled session's sheet is undone."""
    facilitator = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), facilitator, participants=participants(2))
    ids = [uuid.UUID(i["id"]) for i in await invoices_of(invoicing, auth(), created["id"])]

    with pytest.raises(RolledBack):
        async with transaction(pool, org_id=org) as conn:
            await service.issue_drafts(conn, org, ids)
            assert await _outbox(conn, org) == [("invoice.issued", i) for i in ids]
            raise RolledBack
    async with transaction(pool, org_id=org) as conn:
        assert await _outbox(conn, org) == []
        await service.issue_drafts(conn, org, ids)
    async with transaction(pool, org_id=org) as conn:
        assert await _outbox(conn, org) == [("invoice.issued", i) for i in ids]

    principal = Principal(subject="test", org_id=org, roles=frozenset({"admin"}))
    with pytest.raises(RolledBack):
        async with transaction(pool, org_id=org) as conn:
            await service.credit(conn, principal, ids[0])
            raise RolledBack
    async with transaction(pool, org_id=org) as conn:
        assert [t for t, _ in await _outbox(conn, org)] == ["invoice.issued"] * 2
        # a cancelled session's sheet undone: each issued invoice credited, announced once
        undone = await service.undo_cost_sheet(conn, org, uuid.UUID(created["id"]))
    assert len(undone.credit_notes) == 2
    async with transaction(pool, org_id=org) as conn:
        assert (await _outbox(conn, org))[2:] == [("invoice.credited", i) for i in ids]


async def test_a_draft_auto_issue_cannot_issue_is_announced_with_why(
    invoicing: httpx.AsyncClient, auth: Token, org: uuid.UUID, pool: asyncpg.Pool
) -> None:
    """Issuing at once (``auto_issue``) leaves a draft a government buyer would refuse (no
    supplier e-mail): the draft stays, and ``invoice.not_issued`` says which field and rule."""
    facilitator = await profile(invoicing, auth(), email=None, auto_issue=True)
    created = await sheet(invoicing, auth(), facilitator)
    draft = (await invoices_of(invoicing, auth(), created["id"]))[0]
    async with transaction(pool, org_id=org) as conn:
        assert await service.issue_drafts(conn, org, [uuid.UUID(draft["id"])]) == []
    items, _ = await events(invoicing, auth, expect=1)
    assert [(e["type"], e["aggregate_id"]) for e in items] == [("invoice.not_issued", draft["id"])]
    data = items[0]["data"]
    assert (data["invoice_id"], data["cost_sheet_id"]) == (draft["id"], created["id"])
    assert [(r["field"], r["rule"]) for r in data["reasons"]] == [
        ("seller.email", "supplier_email_required")
    ]
    still = await invoicing.get(f"/v1/invoices/{draft['id']}", headers=auth())
    assert still.json()["status"] == "draft"
