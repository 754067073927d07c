"""Cost sheets that give a participant's debtor (sent, or a stored one by `debtor_id`): invoices
keep a copy of its data, and a debtor given wins over the billing relations."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token

from ..debtors.support import path
from ..relations.support import choose, employed, link
from ..support import (
    MUNICIPALITY,
    cost_sheet,
    invoices_of,
    participants,
    person_debtor,
    profile,
    session,
    sheet,
)

NO_ORDER = {k: v for k, v in MUNICIPALITY.items() if k != "buyer_reference"}


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


async def test_a_debtor_given_wins_over_the_billing_relations(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    employer = uuid.uuid4()
    await link(invoicing, auth(), employer, {**MUNICIPALITY, "name": "Werkgever"})
    sent, linked, own = employed(3, employer)
    sent["debtor"] = person_debtor("Zelf gestuurd")
    await choose(invoicing, auth(), own["person_id"], {"pays": "self",
                 "debtor": person_debtor("Eigen keuze")})  # fmt: skip
    created = await sheet(invoicing, auth(), facilitator, participants=[sent, linked, own])

    invoices = await invoices_of(invoicing, auth(), created["id"])
    assert [i["buyer"]["name"] for i in invoices] == ["Zelf gestuurd", "Werkgever", "Eigen keuze"]
    assert [(p["debtor"] or {}).get("name") for p in created["participants"]] == [
        "Zelf gestuurd",
        None,  # the relations decide whenever its drafts are made
        None,
    ]


async def test_a_debtor_given_is_one_that_exists_and_lacks_nothing(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    planned = await session(invoicing, auth(), facilitator)

    def refused_sheet(*people: dict[str, object]) -> dict[str, object]:
        return cost_sheet(facilitator, session_id=planned, participants=list(people))

    missing = participants(1)[0] | {"debtor": None, "debtor_id": str(uuid.uuid4())}
    response = await invoicing.post("/v1/cost-sheets", json=refused_sheet(missing), headers=auth())
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.participants[0].debtor_id"

    both = participants(1)[0] | {"debtor_id": str(uuid.uuid4())}
    no_order = participants(1)[0] | {"debtor": NO_ORDER}
    response = await invoicing.post(
        "/v1/cost-sheets",
        json=refused_sheet(both, no_order),
        headers=auth(),
    )
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.participants[0].debtor", "one_debtor"),
        ("body.participants[1].debtor.buyer_reference", "order_number_required"),
    ]

    stored = (await invoicing.put(path("no-order"), json=NO_ORDER, headers=auth())).json()
    named = participants(1)[0] | {"debtor": None, "debtor_id": stored["id"]}
    response = await invoicing.post("/v1/cost-sheets", json=refused_sheet(named), headers=auth())
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.participants[0].debtor_id", "order_number_required")
    ]
    listed = await invoicing.get("/v1/cost-sheets", headers=auth())
    assert listed.json()["items"] == []  # nothing was made
