"""Cost sheets that name stored debtors: invoices keep a copy of the debtor's data."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token

from ..debtors.support import path
from ..support import MUNICIPALITY, cost_sheet, invoices_of, participants, profile, sheet


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
