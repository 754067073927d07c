"""Drafts held in `needs_debtor` until their billing relations give them a complete debtor:
listed with their reasons, refused on issue, released (and issued with `auto_issue`) when a
link or a choice completes them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import events

from ..support import MUNICIPALITY, invoices_of, kvk_number, person_debtor, profile, sheet, today
from .support import choose, employed, link, listed

NOBODY = [("debtor", "debtor_required")]
EMPLOYER = {**MUNICIPALITY, "name": "Zorggroep Noord", "peppol_scheme": "0106",
            "peppol_id": "87654321", "kvk_number": "87654321"}  # fmt: skip


def reasons(invoice: dict[str, Any]) -> list[tuple[str, str]]:
    return [(need["field"], need["rule"]) for need in invoice["needs"]]


async def test_a_draft_with_nobody_to_bill_is_held_listed_and_refused(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    employer = uuid.uuid4()
    made = await sheet(invoicing, auth(), facilitator, participants=employed(3, employer))

    held = await invoices_of(invoicing, auth(), made["id"])
    assert [(i["status"], i["buyer"], reasons(i)) for i in held] == [
        ("needs_debtor", None, NOBODY)
    ] * 3
    assert {i["client_organisation_id"] for i in held} == {str(employer)}
    assert [p["debtor"] for p in made["participants"]] == [None] * 3
    assert sum(i["subtotal_cents"] for i in held) == made["total_cents"]  # the split stands
    waiting = await listed(invoicing, auth(), status="needs_debtor")
    assert [i["id"] for i in waiting] == [i["id"] for i in held]
    assert await listed(invoicing, auth(), status="draft") == []

    refused = await invoicing.post(f"/v1/invoices/{held[0]['id']}/issue", headers=auth())
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == NOBODY
    pdf = await invoicing.get(f"/v1/invoices/{held[0]['id']}/pdf", headers=auth())
    assert pdf.status_code == 409
    own = auth("participant", person=held[0]["person_id"])
    assert (await invoicing.get(f"/v1/invoices/{held[0]['id']}", headers=own)).status_code == 404
    assert await listed(invoicing, own) == []
    assert (await invoicing.get(f"/v1/invoices/{held[0]['id']}", headers=auth())).json() == held[0]


async def test_a_held_sheet_is_announced_with_ids_and_reasons(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    employer = uuid.uuid4()
    people = employed(2, employer)
    await choose(invoicing, auth(), people[1]["person_id"], {"pays": "self",
                 "debtor": person_debtor("B")})  # fmt: skip
    made = await sheet(invoicing, auth(), facilitator, participants=people)
    first, second = await invoices_of(invoicing, auth(), made["id"])

    [event], _ = await events(invoicing, auth)
    assert event["type"] == "cost_sheet.needs_debtor"
    assert event["aggregate_id"] == made["id"]
    assert event["data"] == {
        "cost_sheet_id": made["id"],
        "session_id": made["session_id"],
        "facilitator_id": str(facilitator),
        "held": [
            {
                "invoice_id": first["id"],
                "person_id": people[0]["person_id"],
                "client_organisation_id": str(employer),
                "billed_to": None,
                "needs": first["needs"],
            }
        ],
    }
    assert second["status"] == "draft"  # paying themselves, nothing waits


async def test_linking_the_employers_debtor_releases_its_held_drafts(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    employer, other = uuid.uuid4(), uuid.uuid4()
    made = await sheet(invoicing, auth(), facilitator, participants=employed(3, employer))
    elsewhere = await sheet(invoicing, auth(), facilitator, participants=employed(1, other))
    held = await invoices_of(invoicing, auth(), made["id"])

    written = await link(invoicing, auth(), employer, EMPLOYER)

    assert written["released"] == [i["id"] for i in held]
    released = await invoices_of(invoicing, auth(), made["id"])
    assert {(i["status"], i["buyer"]["name"]) for i in released} == {("draft", "Zorggroep Noord")}
    assert {len(i["needs"]) for i in released} == {0}
    [still] = await invoices_of(invoicing, auth(), elsewhere["id"])
    assert still["status"] == "needs_debtor"
    issued = await invoicing.post(f"/v1/invoices/{released[0]['id']}/issue", headers=auth())
    assert issued.status_code == 200, issued.text
    again = await link(invoicing, auth(), employer, EMPLOYER, status=200)
    assert again["released"] == []  # nothing waits for it any more


async def test_with_auto_issue_the_released_drafts_are_issued_in_sheet_order(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(
        invoicing, auth(), auto_issue=True, invoice_prefix="REL", kvk_number=kvk_number()
    )
    employer = uuid.uuid4()
    first = await sheet(invoicing, auth(), facilitator, participants=employed(2, employer))
    second = await sheet(invoicing, auth(), facilitator, participants=employed(3, employer))
    drafts = [
        *await invoices_of(invoicing, auth(), first["id"]),
        *await invoices_of(invoicing, auth(), second["id"]),
    ]

    written = await link(invoicing, auth(), employer, EMPLOYER)

    assert written["released"] == [i["id"] for i in drafts]
    after = [
        *await invoices_of(invoicing, auth(), first["id"]),
        *await invoices_of(invoicing, auth(), second["id"]),
    ]
    assert {i["status"] for i in after} == {"issued"}
    year = today().year
    assert [i["number"] for i in after] == [f"REL-{year}-{n:05d}" for n in range(1, 6)]


async def test_a_government_buyer_without_an_order_number_is_held_until_it_has_one(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    municipality = uuid.uuid4()
    no_order = {k: v for k, v in MUNICIPALITY.items() if k != "buyer_reference"}
    await link(invoicing, auth(), municipality, no_order)
    made = await sheet(invoicing, auth(), facilitator, participants=employed(2, municipality))

    held = await invoices_of(invoicing, auth(), made["id"])
    assert [reasons(i) for i in held] == [[("debtor.buyer_reference", "order_number_required")]] * 2
    assert {i["buyer"]["name"] for i in held} == {"Gemeente Utrecht"}
    refused = await invoicing.post(f"/v1/invoices/{held[0]['id']}/issue", headers=auth())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "debtor.buyer_reference"

    written = await link(invoicing, auth(), municipality, MUNICIPALITY, status=200)

    assert written["released"] == [i["id"] for i in held]
    released = await invoices_of(invoicing, auth(), made["id"])
    assert {(i["status"], i["buyer"]["buyer_reference"]) for i in released} == {
        ("draft", "KP-4711")
    }


async def test_a_persons_choice_decides_before_their_employer_and_releases_their_drafts(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    employer = uuid.uuid4()
    await link(invoicing, auth(), employer, EMPLOYER)
    own, works, alone = employed(2, employer) + employed(1, None)
    await choose(invoicing, auth(), own["person_id"], {"pays": "self",
                 "debtor": person_debtor("A. Eigen")})  # fmt: skip
    made = await sheet(invoicing, auth(), facilitator, participants=[own, works, alone])

    drafts = await invoices_of(invoicing, auth(), made["id"])
    assert [(i["status"], (i["buyer"] or {}).get("name")) for i in drafts] == [
        ("draft", "A. Eigen"),
        ("draft", "Zorggroep Noord"),
        ("needs_debtor", None),  # no employer known and no choice
    ]
    employer_pays = await choose(invoicing, auth(), alone["person_id"], {"pays": "employer"})
    assert employer_pays["released"] == []  # still nobody: no employer to pay
    written = await choose(
        invoicing,
        auth(),
        alone["person_id"],
        {"pays": "self", "debtor": person_debtor("C. Alleen")},
        status=200,
    )
    assert written["released"] == [drafts[2]["id"]]
    after = await invoices_of(invoicing, auth(), made["id"])
    assert (after[2]["status"], after[2]["buyer"]["name"]) == ("draft", "C. Alleen")
    assert after[:2] == drafts[:2]  # the others keep their buyers
