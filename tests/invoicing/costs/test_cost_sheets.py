"""Cost sheets through the HTTP API, on the real database: the split into drafts, the rules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Token

from ..support import cost_sheet, invoices_of, issued, participants, profile, session, sheet


async def test_a_cost_sheet_is_split_into_one_draft_per_member(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), facilitator)

    assert created["facilitation_minutes"] == 150
    assert created["supply_date"] == "2026-11-20"
    assert [(line["kind"], line["amount_cents"]) for line in created["lines"]] == [
        ("facilitation", 31250),
        ("preparation", 12500),
        ("travel_time", 9375),
        ("travel_costs", 874),
        ("location", 9500),
    ]
    assert created["total_cents"] == 63499
    invoices = await invoices_of(invoicing, auth(), created["id"])
    assert [i["participant_name"] for i in invoices] == [f"Deelnemer {n}" for n in range(1, 9)]
    assert [i["subtotal_cents"] for i in invoices] == [7938] * 3 + [7937] * 5
    assert {i["status"] for i in invoices} == {"draft"}
    assert {i["number"] for i in invoices} == {None}
    first = invoices[0]
    assert first["btw_rate_percent"] == 21
    assert (first["btw_cents"], first["total_cents"]) == (1667, 9605)
    assert first["seller"]["kvk_number"] == "12345678"
    assert first["buyer"]["peppol_id"] == "00000001002220647000"
    assert sum(line["amount_cents"] for line in first["lines"]) == 7938

    fetched = await invoicing.get(f"/v1/cost-sheets/{created['id']}", headers=auth())
    assert fetched.json() == created
    reconciliation = await invoicing.get(
        f"/v1/cost-sheets/{created['id']}/reconciliation", headers=auth()
    )
    assert reconciliation.status_code == 200
    assert reconciliation.json() == {
        "cost_sheet_id": created["id"],
        "total_cents": 63499,
        "sharers": 8,
        "invoices": 8,
        "invoiced_cents": 63499,
        "credited_cents": 0,
        "difference_cents": 0,
        "btw_cents": 3 * 1667 + 5 * 1667,
        "lines": [
            {
                "kind": line["kind"],
                "amount_cents": line["amount_cents"],
                "invoiced_cents": line["amount_cents"],
            }
            for line in created["lines"]
        ],
        "by_status": {"draft": 8},
    }


async def test_the_attendees_policy_bills_only_who_came(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    people = participants(5)
    people[1]["attended"] = False
    people[3]["attended"] = False
    created = await sheet(invoicing, auth(), facilitator, participants=people, sharing="attendees")
    invoices = await invoices_of(invoicing, auth(), created["id"])
    assert [i["participant_name"] for i in invoices] == [
        "Deelnemer 1",
        "Deelnemer 3",
        "Deelnemer 5",
    ]
    assert sum(i["subtotal_cents"] for i in invoices) == created["total_cents"]
    assert invoices[0]["buyer"]["name"] == "Deelnemer 1"


async def test_exempt_facilitators_invoice_without_btw(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth(), btw_mode="exempt")
    assert (invoice["btw_rate_percent"], invoice["btw_cents"]) == (0, 0)
    assert invoice["total_cents"] == invoice["subtotal_cents"]
    assert invoice["seller"]["exemption_text"].startswith("Vrijgesteld")


async def test_a_session_has_one_cost_sheet(invoicing: httpx.AsyncClient, auth: Token) -> None:
    facilitator = await profile(invoicing, auth())
    body = cost_sheet(facilitator, session_id=await session(invoicing, auth(), facilitator))
    first = await invoicing.post("/v1/cost-sheets", json=body, headers=auth())
    assert first.status_code == 201, first.text
    again = await invoicing.post("/v1/cost-sheets", json=body, headers=auth())
    assert again.status_code == 409
    assert [(e["field"], e["rule"]) for e in again.json()["errors"]] == [
        ("body.session_id", "unique")
    ]
    assert again.json()["extra"] == {"cost_sheet_id": first.json()["id"]}


async def test_a_facilitator_without_billing_profile_is_a_404_naming_the_field(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    response = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(uuid.uuid4()), headers=auth()
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.facilitator_id"


async def test_domain_rules_are_422s_naming_each_rule(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    people = participants(3)
    people[2]["person_id"] = people[0]["person_id"]
    people[1]["debtor"] = {**people[1]["debtor"], "peppol_scheme": "0106"}
    response = await invoicing.post(
        "/v1/cost-sheets",
        json=cost_sheet(
            facilitator,
            session_ends_at="2026-11-20T13:00:00+01:00",
            participants=people,
        ),
        headers=auth(),
    )
    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.session_ends_at", "session_length"),
        ("body.participants[1].debtor.peppol_id", "peppol_endpoint"),
        ("body.participants[2].person_id", "unique"),
    ]

    nobody = participants(2)
    for person in nobody:
        person["attended"] = False
    cases: list[tuple[dict[str, Any], str]] = [
        ({"participants": nobody, "sharing": "attendees"}, "sharers"),
        (
            {"preparation_minutes": 0, "travel_minutes": 0, "travel_km": 0, "location_cents": 0,
             "session_ends_at": "2026-11-20T13:30:01+01:00"},
            "share_at_least_one_cent",
        ),
        (
            {"participants": [{**participants(1)[0], "debtor": {
                **participants(1)[0]["debtor"], "peppol_scheme": "0106", "peppol_id": "123"}}]},
            "peppol_endpoint_format",
        ),
    ]  # fmt: skip
    for changes, rule in cases:
        response = await invoicing.post(
            "/v1/cost-sheets", json=cost_sheet(facilitator, **changes), headers=auth()
        )
        assert response.status_code == 422, response.text
        assert [e["rule"] for e in response.json()["errors"]] == [rule]


async def test_naive_times_and_unknown_fields_are_400s(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    naive = await invoicing.post(
        "/v1/cost-sheets",
        json=cost_sheet(facilitator, session_starts_at="2026-11-20T13:30:00"),
        headers=auth(),
    )
    assert naive.status_code == 400
    assert naive.json()["errors"][0]["field"] == "body.session_starts_at"
    unknown = await invoicing.post(
        "/v1/cost-sheets", json={**cost_sheet(facilitator), "vat": 9}, headers=auth()
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["rule"] == "unknown_field"
