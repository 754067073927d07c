"""Stored debtors, and cost sheets that name them: invoices keep a copy of the debtor's data."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token

from ..support import MUNICIPALITY, cost_sheet, invoices_of, participants, profile, sheet


def path(external_id: str) -> str:
    return f"/v1/debtors/by-external-id/{external_id}"


async def test_upsert_is_idempotent_and_moves_updated_at_only_on_change(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    first = await invoicing.put(path("gem-utrecht"), json=MUNICIPALITY, headers=auth())
    same = await invoicing.put(path("gem-utrecht"), json=MUNICIPALITY, headers=auth())
    assert (first.status_code, same.status_code) == (201, 200), first.text
    assert first.json() == same.json()
    assert first.json()["peppol_scheme"] == "0190"
    changed = await invoicing.put(
        path("gem-utrecht"), json={**MUNICIPALITY, "buyer_reference": "KP-1"}, headers=auth()
    )
    assert changed.json()["updated_at"] > first.json()["updated_at"]
    debtor_id = first.json()["id"]
    assert (await invoicing.get(f"/v1/debtors/{debtor_id}", headers=auth())).json()[
        "buyer_reference"
    ] == "KP-1"
    listed = (await invoicing.get("/v1/debtors", headers=auth())).json()["items"]
    assert [d["id"] for d in listed] == [debtor_id]
    assert (await invoicing.get(path("gem-utrecht"), headers=auth())).json()["id"] == debtor_id


async def test_a_peppol_endpoint_needs_scheme_and_shape(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    half = {k: v for k, v in MUNICIPALITY.items() if k != "peppol_id"}
    response = await invoicing.put(path("half"), json=half, headers=auth())
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.peppol_id", "peppol_endpoint")
    ]
    wrong = await invoicing.put(
        path("wrong"), json={**MUNICIPALITY, "peppol_id": "12345678"}, headers=auth()
    )
    assert wrong.json()["errors"][0]["rule"] == "peppol_endpoint_format"


async def test_cost_sheets_copy_a_stored_debtor(invoicing: httpx.AsyncClient, auth: Token) -> None:
    debtor = (await invoicing.put(path("gem"), json=MUNICIPALITY, headers=auth())).json()
    facilitator = await profile(invoicing, auth())
    people = [
        {"person_id": str(uuid.uuid4()), "name": f"P{i}", "debtor_id": debtor["id"]}
        for i in range(3)
    ]
    created = await sheet(invoicing, auth(), facilitator, participants=people)
    assert created["participants"][0]["debtor"]["name"] == "Gemeente Utrecht"

    await invoicing.put(path("gem"), json={**MUNICIPALITY, "name": "Gemeente X"}, headers=auth())
    invoices = await invoices_of(invoicing, auth(), created["id"])
    assert {i["buyer"]["name"] for i in invoices} == {"Gemeente Utrecht"}  # a snapshot


async def test_a_participant_has_one_debtor_that_exists(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    missing = participants(1)[0] | {"debtor": None, "debtor_id": str(uuid.uuid4())}
    response = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(facilitator, participants=[missing]), headers=auth()
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.participants[0].debtor_id"

    both = participants(1)[0] | {"debtor_id": str(uuid.uuid4())}
    neither = participants(1)[0] | {"debtor": None}
    response = await invoicing.post(
        "/v1/cost-sheets",
        json=cost_sheet(facilitator, participants=[both, neither]),
        headers=auth(),
    )
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.participants[0].debtor", "one_debtor"),
        ("body.participants[1].debtor", "one_debtor"),
    ]
