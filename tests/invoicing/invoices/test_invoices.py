"""Invoices and credit notes through the HTTP API, on the real database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Token

from ..support import PROFILE, cost_sheet, invoices_of, kvk_number, profile, sheet, today
from ..support import facilitator as scheduled_facilitator

YEAR = today().year


def _without(document: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in keys}


async def test_the_lifecycle_issue_pay_credit(invoicing: httpx.AsyncClient, auth: Token) -> None:
    facilitator = await profile(invoicing, auth(), invoice_prefix="LIFE", kvk_number=kvk_number())
    created = await sheet(invoicing, auth(), facilitator)
    first, second, *_ = await invoices_of(invoicing, auth(), created["id"])

    draft_pdf = await invoicing.get(f"/v1/invoices/{first['id']}/pdf", headers=auth())
    assert draft_pdf.status_code == 409
    assert (
        await invoicing.get(f"/v1/invoices/{first['id']}/ubl", headers=auth())
    ).status_code == 409
    unpaid = await invoicing.post(
        f"/v1/invoices/{first['id']}/payment", json={"paid_on": "2026-11-25"}, headers=auth()
    )
    assert unpaid.status_code == 409

    one = (await invoicing.post(f"/v1/invoices/{first['id']}/issue", headers=auth())).json()
    two = (await invoicing.post(f"/v1/invoices/{second['id']}/issue", headers=auth())).json()
    assert (one["number"], two["number"]) == (f"LIFE-{YEAR}-00001", f"LIFE-{YEAR}-00002")
    assert one["issue_date"] == today().isoformat()
    assert one["due_date"] > one["issue_date"]
    numbered = {"status", "number", "issue_date", "due_date"}
    assert _without(one, numbered) == _without(first, numbered)  # nothing else changed
    again = await invoicing.post(f"/v1/invoices/{first['id']}/issue", headers=auth())
    assert again.status_code == 409

    paid = await invoicing.post(
        f"/v1/invoices/{first['id']}/payment", json={"paid_on": "2026-11-25"}, headers=auth()
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["paid_on"]) == ("paid", "2026-11-25")

    credit = await invoicing.post(f"/v1/invoices/{first['id']}/credit-note", headers=auth())
    assert credit.status_code == 201, credit.text
    note = credit.json()
    assert note["kind"] == "credit_note"
    assert note["number"] == f"LIFE-{YEAR}-00003"
    assert (note["credits_id"], note["credits_number"], note["credits_issue_date"]) == (
        one["id"],
        one["number"],
        one["issue_date"],
    )
    assert note["subtotal_cents"] == -one["subtotal_cents"]
    assert note["total_cents"] == -one["total_cents"]
    assert [line["amount_cents"] for line in note["lines"]] == [
        -line["amount_cents"] for line in one["lines"]
    ]
    original = (await invoicing.get(f"/v1/invoices/{first['id']}", headers=auth())).json()
    assert (original["status"], original["paid_on"]) == ("credited", "2026-11-25")
    twice = await invoicing.post(f"/v1/invoices/{first['id']}/credit-note", headers=auth())
    assert twice.status_code == 409
    of_note = await invoicing.post(f"/v1/invoices/{note['id']}/credit-note", headers=auth())
    assert of_note.status_code == 409

    reconciliation = (
        await invoicing.get(f"/v1/cost-sheets/{created['id']}/reconciliation", headers=auth())
    ).json()
    assert reconciliation["difference_cents"] == 0
    assert reconciliation["credited_cents"] == -one["subtotal_cents"]
    assert reconciliation["by_status"] == {"credited": 1, "issued": 1, "draft": 6, "credit_note": 1}


async def test_who_sees_what(
    invoicing: httpx.AsyncClient, auth: Token, token_for: Callable[..., dict[str, str]]
) -> None:
    me = await scheduled_facilitator(invoicing, auth())  # a facilitator scheduling knows
    facilitator = auth("facilitator", person=me)
    other = await profile(invoicing, auth())
    assert (
        await invoicing.put(f"/v1/billing-profiles/{me}", json=PROFILE, headers=facilitator)
    ).status_code == 201
    created = await sheet(invoicing, facilitator, me)
    refused = await invoicing.post("/v1/cost-sheets", json=cost_sheet(other), headers=facilitator)
    assert refused.status_code == 403
    others = await sheet(invoicing, auth(), other)
    assert (
        await invoicing.get(f"/v1/cost-sheets/{others['id']}", headers=facilitator)
    ).status_code == 404
    listed = (await invoicing.get("/v1/cost-sheets", headers=facilitator)).json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]

    invoice = (await invoices_of(invoicing, facilitator, created["id"]))[0]
    participant = auth("participant", person=invoice["person_id"])
    stranger = auth("participant", person=uuid.uuid4())
    path = f"/v1/invoices/{invoice['id']}"
    assert (await invoicing.get(path, headers=participant)).status_code == 404  # a draft
    assert (await invoicing.post(path + "/issue", headers=facilitator)).status_code == 200
    assert (await invoicing.get(path, headers=participant)).status_code == 200
    assert (await invoicing.get(path + "/pdf", headers=participant)).status_code == 200
    assert (await invoicing.get(path, headers=stranger)).status_code == 404
    assert (await invoicing.post(path + "/issue", headers=participant)).status_code == 403
    own = (await invoicing.get("/v1/invoices", headers=participant)).json()["items"]
    assert [item["id"] for item in own] == [invoice["id"]]
    assert (await invoicing.get(path, headers=token_for(uuid.uuid4(), "admin"))).status_code == 404
    assert (await invoicing.get("/v1/cost-sheets", headers=participant)).status_code == 403


async def test_pagination_walks_every_invoice_once(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), facilitator)
    expected = [i["id"] for i in await invoices_of(invoicing, auth(), created["id"])]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "cost_sheet_id": created["id"]}
        if cursor:
            params["cursor"] = cursor
        page = (await invoicing.get("/v1/invoices", params=params, headers=auth())).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
