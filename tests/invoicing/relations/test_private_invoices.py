"""An HR client reads only the invoices that bill its organisation (ADR 0097): an employee's
invoice they pay themselves (`pays: self`) is billed to a private address and is none of the
employer's business, in the list, by id and in the event feed. Through the HTTP API, on the
real database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import events

from ..support import credit, invoices_of, person_debtor, profile, sheet
from .support import choose, employed, link, listed
from .test_held_drafts import EMPLOYER


async def _issue(client: httpx.AsyncClient, headers: dict[str, str], invoice_id: str) -> Any:
    response = await client.post(f"/v1/invoices/{invoice_id}/issue", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_hr_does_not_see_an_invoice_the_employee_pays_themselves(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    employer = uuid.uuid4()
    await link(invoicing, auth(), employer, EMPLOYER)
    facilitator = await profile(invoicing, auth())
    colleague, private = employed(2, employer)
    own_debtor = {"pays": "self", "debtor": person_debtor("A. Bakker")}
    await choose(invoicing, auth(), private["person_id"], own_debtor)
    made = await sheet(invoicing, auth(), facilitator, participants=[colleague, private])
    drafts = {i["person_id"]: i for i in await invoices_of(invoicing, auth(), made["id"])}
    billed = await _issue(invoicing, auth(), drafts[colleague["person_id"]]["id"])
    own = await _issue(invoicing, auth(), drafts[private["person_id"]]["id"])
    assert (billed["billed_to"], billed["buyer"]["name"]) == ("employer", EMPLOYER["name"])
    assert (own["billed_to"], own["buyer"]["name"]) == ("person", "A. Bakker")
    assert own["client_organisation_id"] == str(employer)  # still their employer's employee
    billed_note = await credit(invoicing, auth(), billed["id"])
    own_note = await credit(invoicing, auth(), own["id"])
    assert (billed_note["billed_to"], own_note["billed_to"]) == ("employer", "person")

    hr = auth("hr", client_org=str(employer))
    assert {i["id"] for i in await listed(invoicing, hr)} == {billed["id"], billed_note["id"]}
    for hidden in (own, own_note):
        response = await invoicing.get(f"/v1/invoices/{hidden['id']}", headers=hr)
        assert response.status_code == 404, response.text  # as another organisation's invoice
        for document in ("pdf", "ubl"):
            path = f"/v1/invoices/{hidden['id']}/{document}"
            assert (await invoicing.get(path, headers=hr)).status_code == 404, document
    assert (await invoicing.get(f"/v1/invoices/{billed['id']}", headers=hr)).status_code == 200
    outsider = auth("hr", client_org=str(uuid.uuid4()))
    assert (
        await invoicing.get(f"/v1/invoices/{billed['id']}", headers=outsider)
    ).status_code == 404
    person = auth("participant", person=private["person_id"])
    assert {i["id"] for i in await listed(invoicing, person)} == {own["id"], own_note["id"]}

    everything, _ = await events(invoicing, auth, expect=4)
    assert (
        sorted(e["type"] for e in everything) == ["invoice.credited"] * 2 + ["invoice.issued"] * 2
    )
    feed = await invoicing.get("/v1/events", params={"limit": 200}, headers=hr)
    assert feed.status_code == 200, feed.text
    seen = [
        (e["type"], e["data"]["invoice_id"], e["data"]["billed_to"]) for e in feed.json()["items"]
    ]
    assert seen == [
        ("invoice.issued", billed["id"], "employer"),
        ("invoice.credited", billed["id"], "employer"),
    ]


async def test_a_held_draft_completed_by_the_persons_own_debtor_bills_the_person(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    employer = uuid.uuid4()
    facilitator = await profile(invoicing, auth())
    [participant] = employed(1, employer)
    made = await sheet(invoicing, auth(), facilitator, participants=[participant])
    [held] = await invoices_of(invoicing, auth(), made["id"])
    assert (held["status"], held["billed_to"]) == ("needs_debtor", None)
    hr = auth("hr", client_org=str(employer))
    announced, _ = await events(invoicing, auth, expect=1)
    assert [e["data"]["held"][0]["billed_to"] for e in announced] == [None]
    shown = (await invoicing.get("/v1/events", headers=hr)).json()["items"]
    assert [e["type"] for e in shown] == ["cost_sheet.needs_debtor"]  # its employee's, unpaid

    chosen = await choose(invoicing, auth(), participant["person_id"],
                          {"pays": "self", "debtor": person_debtor("B. Smit")})  # fmt: skip
    assert chosen["released"] == [held["id"]]
    issued = await _issue(invoicing, auth(), held["id"])
    assert (issued["billed_to"], issued["buyer"]["name"]) == ("person", "B. Smit")
    assert await listed(invoicing, hr) == []
    assert (await invoicing.get(f"/v1/invoices/{held['id']}", headers=hr)).status_code == 404
    await events(invoicing, auth, expect=2)
    shown = (await invoicing.get("/v1/events", headers=hr)).json()["items"]
    assert [e["type"] for e in shown] == ["cost_sheet.needs_debtor"]
