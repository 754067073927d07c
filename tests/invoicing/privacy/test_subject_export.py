"""A person's export from invoicing, compared with the rows; who may ask for it."""

from __future__ import annotations

import json
import uuid

import asyncpg
import httpx

from services.invoicing.privacy.schemas import ERASED_NAME
from tests.conftest import Token

from .support import erase, export, year_of


async def test_the_export_holds_every_row_about_the_person(
    invoicing: httpx.AsyncClient, auth: Token, db: asyncpg.Connection
) -> None:
    person, _ = await year_of(invoicing, auth)
    body = await export(invoicing, auth(), person.id)
    assert (body["service"], body["person_id"]) == ("invoicing", person.id)
    records = body["records"]

    rows = await db.fetch(
        "SELECT id, kind, number, status, total_cents, participant_name FROM invoices"
        " WHERE person_id = $1 ORDER BY id",
        uuid.UUID(person.id),
    )
    exported = {r["id"]: r for kind in ("invoices", "credit_notes") for r in records[kind]}
    assert sorted(exported) == sorted(str(row["id"]) for row in rows)
    for row in rows:
        record = exported[str(row["id"])]
        assert (record["kind"], record["number"], record["status"]) == (
            row["kind"],
            row["number"],
            row["status"],
        )
        assert (record["total_cents"], record["participant_name"]) == (
            row["total_cents"],
            row["participant_name"],
        )
    assert [r["id"] for r in records["invoices"]] == [i["id"] for i in person.invoices]
    assert [r["id"] for r in records["credit_notes"]] == [n["id"] for n in person.credit_notes]
    assert records["invoices"][0] == person.invoices[0]  # as GET /v1/invoices/{id} answers it

    sheets = {i["cost_sheet_id"] for i in person.invoices}
    assert {s["id"] for s in records["cost_sheet_shares"]} == sheets
    assert {(s["name"], s["position"]) for s in records["cost_sheet_shares"]} == {(person.name, 0)}
    (choice,) = records["billing_choices"]
    (debtor,) = records["debtors"]
    stored = await db.fetchrow(
        "SELECT pays, debtor_id FROM person_billing WHERE person_id = $1", uuid.UUID(person.id)
    )
    assert stored is not None
    assert (choice["id"], choice["pays"], choice["debtor_id"]) == (
        person.id,
        stored["pays"],
        str(stored["debtor_id"]),
    )
    assert (debtor["id"], debtor["name"]) == (str(stored["debtor_id"]), person.name)
    assert records["unbilled_attendance"] == []

    numbered = [*person.invoices, *person.credit_notes]
    assert sorted(body["documents"], key=lambda d: d["id"]) == sorted(
        (
            {
                "kind": f"{i['kind']}_pdf",
                "id": i["id"],
                "href": f"/v1/invoices/{i['id']}/pdf",
                "name": i["number"],
            }
            for i in numbered
        ),
        key=lambda d: d["id"],
    )
    own = auth("participant", person=person.id)
    mine = await export(invoicing, own, person.id)
    assert {**mine, "exported_at": None} == {**body, "exported_at": None}
    for document in body["documents"]:
        pdf = await invoicing.get(document["href"], headers=own)
        assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")

    logged = await db.fetch(
        'SELECT actor_role, operation, "grant" FROM processing_log WHERE person_id = $1',
        uuid.UUID(person.id),
    )
    assert sorted(tuple(r) for r in logged) == [
        ("admin", "exportSubject", "role admin"),
        ("participant", "exportSubject", "own records"),
    ]


async def test_a_participant_exports_only_themselves(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    refused = await invoicing.get(
        f"/v1/subjects/{other}/export", headers=auth("participant", person=me)
    )
    assert refused.status_code == 403
    assert [e["rule"] for e in refused.json()["errors"]] == ["own_records_only"]
    nothing = await export(invoicing, auth("participant", person=me), str(me))
    assert all(rows == [] for rows in nothing["records"].values())
    assert nothing["documents"] == []
    assert (
        await invoicing.post(f"/v1/subjects/{me}/erasure", headers=auth("participant", person=me))
    ).status_code == 403


async def test_who_may_call_the_subject_routes(invoicing: httpx.AsyncClient, auth: Token) -> None:
    person = uuid.uuid4()
    for role, claims in (("facilitator", {"person": uuid.uuid4()}), ("hr", {"client_org": person})):
        headers = auth(role, **claims)
        for method, path in (
            ("GET", "export"),
            ("POST", "erasure"),
            ("GET", "erasure"),
        ):
            response = await invoicing.request(
                method, f"/v1/subjects/{person}/{path}", headers=headers
            )
            assert response.status_code == 403, (role, method, path, response.text)
    participant = auth("participant", person=person)
    assert (
        await invoicing.get(f"/v1/subjects/{person}/erasure", headers=participant)
    ).status_code == 403
    assert (
        await invoicing.get(f"/v1/subjects/{person}/erasure", headers=auth())
    ).status_code == 404
    assert (
        await invoicing.get("/v1/subjects/not-a-uuid/export", headers=auth())
    ).status_code == 400
    assert (await invoicing.get(f"/v1/subjects/{person}/export")).status_code == 401


async def test_a_closing_waiting_to_be_billed_is_exported_and_erased(
    invoicing: httpx.AsyncClient, auth: Token, db: asyncpg.Connection, org: uuid.UUID
) -> None:
    person, other = str(uuid.uuid4()), str(uuid.uuid4())
    attendees = [
        {"person_id": person, "name": "Anouk de Vries", "status": "present"},
        {"person_id": other, "name": "Bram Jansen", "status": "absent"},
    ]
    waiting = uuid.uuid4()
    await db.execute(
        "INSERT INTO unbilled_sessions (id, org_id, session_id, facilitator_id, event_id,"
        " closing, rule, reason) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)",
        waiting,
        org,
        uuid.uuid4(),
        uuid.uuid4(),
        uuid.uuid4(),
        json.dumps({"group_name": "Noord", "attendees": attendees}),
        "billing_profile_required",
        "no billing profile",
    )
    exported = await export(invoicing, auth(), person)
    (attended,) = exported["records"]["unbilled_attendance"]
    assert (attended["id"], attended["name"], attended["status"]) == (
        str(waiting),
        "Anouk de Vries",
        "present",
    )
    await erase(invoicing, auth(), person, 201)
    closing = json.loads(
        await db.fetchval("SELECT closing FROM unbilled_sessions WHERE id = $1", waiting)
    )
    assert [a["name"] for a in closing["attendees"]] == [ERASED_NAME, "Bram Jansen"]
    assert [a["status"] for a in closing["attendees"]] == ["present", "absent"]
