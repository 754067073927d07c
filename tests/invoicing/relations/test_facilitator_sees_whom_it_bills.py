"""A facilitator sees the debtors of client organisations, and of people only those it bills
(ADR 0102): a person's own debtor (their home address) and billing choice are none of another
facilitator's business. Through the HTTP API, on the real database."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token

from ..support import MUNICIPALITY, cost_sheet, person_debtor, profile, session, sheet
from .support import choose, employed, link, person_path


async def test_a_facilitator_sees_the_own_debtors_of_the_people_it_bills_only(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    billing = await profile(invoicing, auth())
    other = await profile(invoicing, auth())
    (billed,) = employed(1, None)
    await sheet(invoicing, auth(), billing, participants=[billed])
    person = billed["person_id"]
    chosen = await choose(
        invoicing, auth(), person, {"pays": "self", "debtor": person_debtor("Deelnemer 1")}
    )
    own_debtor = chosen["debtor"]["id"]
    organisation = (await link(invoicing, auth(), uuid.uuid4(), MUNICIPALITY))["debtor"]["id"]
    bills = auth("facilitator", person=str(billing))
    outsider = auth("facilitator", person=str(other))

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["items"]]

    # The facilitator who bills the person sees their debtor and their choice, and changes it.
    assert {own_debtor, organisation} <= set(ids(await invoicing.get("/v1/debtors", headers=bills)))
    assert (await invoicing.get(f"/v1/debtors/{own_debtor}", headers=bills)).status_code == 200
    assert (await invoicing.get(person_path(person), headers=bills)).json()["pays"] == "self"
    await choose(invoicing, bills, person, {"pays": "employer"}, status=200)

    # Another facilitator sees the organisations' debtors, not the person's, nor their choice.
    seen = ids(await invoicing.get("/v1/debtors", params={"limit": 200}, headers=outsider))
    assert organisation in seen and own_debtor not in seen
    for path in (f"/v1/debtors/{own_debtor}", person_path(person)):
        hidden = await invoicing.get(path, headers=outsider)
        assert hidden.status_code == 404, (path, hidden.text)
    refused = await invoicing.put(person_path(person), json={"pays": "employer"}, headers=outsider)
    assert refused.status_code == 404, refused.text
    assert (await invoicing.get(f"/v1/debtors/{organisation}", headers=outsider)).status_code == 200

    # The admin sees everything, as before.
    assert own_debtor in ids(
        await invoicing.get("/v1/debtors", params={"limit": 200}, headers=auth())
    )


async def test_a_facilitator_names_on_its_cost_sheet_only_a_debtor_it_sees(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    """A debtor named by id on a sheet is one the facilitator sees, or the own debtor of a
    participant of the sheet; another person's own debtor (their home address, copied onto
    the facilitator's invoice) is answered as absent, as on the debtors' routes."""
    billing = await profile(invoicing, auth())
    other = await profile(invoicing, auth())
    (billed,) = employed(1, None)
    await sheet(invoicing, auth(), billing, participants=[billed])
    chosen = await choose(
        invoicing, auth(), billed["person_id"], {"pays": "self", "debtor": person_debtor("Thuis")}
    )
    own_debtor = chosen["debtor"]["id"]
    organisation = (await link(invoicing, auth(), uuid.uuid4(), MUNICIPALITY))["debtor"]["id"]
    outsider = auth("facilitator", person=str(other))
    (stranger,) = employed(1, None)

    planned = await session(invoicing, outsider, other)
    refused = await invoicing.post(
        "/v1/cost-sheets",
        json=cost_sheet(
            other, session_id=planned, participants=[stranger | {"debtor_id": own_debtor}]
        ),
        headers=outsider,
    )
    assert refused.status_code == 404, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.participants[0].debtor_id", "exists")
    ]
    assert (await invoicing.get("/v1/cost-sheets", headers=outsider)).json()["items"] == []

    # An organisation's debtor, and the own debtor of a participant of the sheet, it may name.
    named = await sheet(
        invoicing,
        outsider,
        other,
        participants=[
            stranger | {"debtor_id": organisation},
            billed | {"debtor_id": own_debtor},
        ],
    )
    assert [p["debtor"]["name"] for p in named["participants"]] == ["Gemeente Utrecht", "Thuis"]
    # The admin names any.
    admins = await sheet(
        invoicing, auth(), other, participants=[stranger | {"debtor_id": own_debtor}]
    )
    assert admins["participants"][0]["debtor"]["name"] == "Thuis"
