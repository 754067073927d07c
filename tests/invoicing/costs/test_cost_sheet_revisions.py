"""Correcting a cost sheet: revised while none of its invoices is issued (its drafts made again,
to the cent), and after issue only by credit notes and a new sheet for the session."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Token

from ..support import (
    amounts_per_kind,
    cost_sheet,
    invoices_of,
    participants,
    profile,
    session,
    sheet,
)

REVISED = {
    "preparation_minutes": 90,
    "travel_minutes": 30,
    "travel_km": 54,
    "location_cents": 12345,
    "location_description": "Zaal De Observant",
    "other_cents": 999,
    "other_description": "Koffie en thee",
}


async def _revise(
    client: httpx.AsyncClient, headers: dict[str, str], sheet_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.put(f"/v1/cost-sheets/{sheet_id}", json=body, headers=headers)


def _rules(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def test_a_revision_before_issue_recomputes_the_drafts_to_the_cent(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), fac, participants=participants(7))
    before = await invoices_of(invoicing, auth(), created["id"])

    response = await _revise(invoicing, auth(), created["id"], REVISED)

    assert response.status_code == 200, response.text
    revised = response.json()
    assert (revised["revision"], created["revision"]) == (2, 1)
    assert created["revised_at"] is None and revised["revised_at"] is not None
    assert [(line["kind"], line["amount_cents"]) for line in revised["lines"]] == [
        ("facilitation", 31250),  # 150 minutes at 125.00: the session's time stays
        ("preparation", 18750),
        ("travel_time", 6250),
        ("travel_costs", 1242),  # 54 km at 0.23
        ("location", 12345),
        ("other", 999),
    ]
    assert revised["lines"][4]["description"] == "Zaal De Observant"
    assert revised["total_cents"] == 70836
    assert revised["participants"] == created["participants"]
    after = await invoices_of(invoicing, auth(), created["id"])
    assert {i["id"] for i in after}.isdisjoint(i["id"] for i in before)
    assert [i["person_id"] for i in after] == [i["person_id"] for i in before]
    # 70836 over 7: 10119 each and 3 leftover cents, for the first three as before.
    assert [i["subtotal_cents"] for i in after] == [10120] * 3 + [10119] * 4
    assert amounts_per_kind(after) == amounts_per_kind([revised])
    assert {i["status"] for i in after} == {"draft"}
    reconciliation = await invoicing.get(
        f"/v1/cost-sheets/{created['id']}/reconciliation", headers=auth()
    )
    assert reconciliation.json()["difference_cents"] == 0
    again = await invoicing.get(f"/v1/cost-sheets/{created['id']}", headers=auth())
    assert again.json() == revised


async def test_a_revision_replaces_every_cost_a_figure_left_out_is_zero(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), fac)
    revised = (await _revise(invoicing, auth(), created["id"], {"travel_km": 10})).json()
    assert [line["kind"] for line in revised["lines"]] == ["facilitation", "travel_costs"]
    assert revised["total_cents"] == 31250 + 230
    invoices = await invoices_of(invoicing, auth(), created["id"])
    assert sum(i["subtotal_cents"] for i in invoices) == revised["total_cents"]


async def test_a_revision_after_an_invoice_is_issued_is_a_409_and_changes_nothing(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), fac)
    first, *_ = await invoices_of(invoicing, auth(), created["id"])
    issued = await invoicing.post(f"/v1/invoices/{first['id']}/issue", headers=auth())
    assert issued.status_code == 200, issued.text
    before = await invoices_of(invoicing, auth(), created["id"])

    response = await _revise(invoicing, auth(), created["id"], REVISED)

    assert response.status_code == 409, response.text
    assert _rules(response) == [("path.cost_sheet_id", "sheet_has_issued_invoice")]
    assert await invoices_of(invoicing, auth(), created["id"]) == before
    unchanged = (await invoicing.get(f"/v1/cost-sheets/{created['id']}", headers=auth())).json()
    assert unchanged == created


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"travel_km": -1}, "body.travel_km", "range"),
        ({"preparation_minutes": 1441}, "body.preparation_minutes", "range"),
        ({"location_cents": 10_000_001}, "body.location_cents", "range"),
        ({"other_cents": -5}, "body.other_cents", "range"),
        ({"participants": []}, "body.participants", "unknown_field"),
    ],
)
async def test_a_revision_out_of_bounds_is_a_400_and_changes_nothing(
    invoicing: httpx.AsyncClient, auth: Token, body: dict[str, Any], field: str, rule: str
) -> None:
    fac = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), fac)
    before = await invoices_of(invoicing, auth(), created["id"])
    response = await _revise(invoicing, auth(), created["id"], body)
    assert response.status_code == 400, response.text
    assert _rules(response) == [(field, rule)]
    assert await invoices_of(invoicing, auth(), created["id"]) == before


async def test_a_revision_that_leaves_a_sharer_nothing_is_a_422(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth(), hourly_rate_cents=0)
    created = await sheet(invoicing, auth(), fac)  # location and km only, for 8
    before = await invoices_of(invoicing, auth(), created["id"])
    response = await _revise(invoicing, auth(), created["id"], {"location_cents": 7})
    assert response.status_code == 422, response.text
    assert _rules(response) == [("body", "share_at_least_one_cent")]
    assert await invoices_of(invoicing, auth(), created["id"]) == before
    assert (await _revise(invoicing, auth(), created["id"], {"location_cents": 8})).is_success


async def test_only_the_sheet_s_facilitator_or_an_admin_revises_it(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac, other = await profile(invoicing, auth()), await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), fac)
    path = created["id"]
    stranger = await _revise(invoicing, auth("facilitator", person=other), path, REVISED)
    participant = await _revise(invoicing, auth("participant", person=other), path, REVISED)
    own = await _revise(invoicing, auth("facilitator", person=fac), path, REVISED)
    assert (stranger.status_code, participant.status_code, own.status_code) == (404, 403, 200)


async def test_after_issue_a_new_sheet_replaces_one_whose_invoices_are_credited(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    planned = await session(invoicing, auth(), fac)
    created = await sheet(invoicing, auth(), fac, session_id=planned)
    first, *rest = await invoices_of(invoicing, auth(), created["id"])
    body = cost_sheet(fac, session_id=planned, location_cents=12000)

    drafts_only = await invoicing.post("/v1/cost-sheets", json=body, headers=auth())
    assert drafts_only.status_code == 409
    assert _rules(drafts_only) == [("body.session_id", "unique")]
    assert (await invoicing.post(f"/v1/invoices/{first['id']}/issue", headers=auth())).is_success
    issued = await invoicing.post("/v1/cost-sheets", json=body, headers=auth())
    assert issued.status_code == 409
    assert _rules(issued) == [("body.session_id", "sheet_has_issued_invoice")]
    assert issued.json()["extra"] == {"cost_sheet_id": created["id"]}
    note = await invoicing.post(f"/v1/invoices/{first['id']}/credit-note", headers=auth())
    assert note.status_code in (200, 201), note.text

    replaced = await invoicing.post("/v1/cost-sheets", json=body, headers=auth())

    assert replaced.status_code == 201, replaced.text
    new = replaced.json()
    assert new["id"] != created["id"] and new["superseded_at"] is None
    old = (await invoicing.get(f"/v1/cost-sheets/{created['id']}", headers=auth())).json()
    assert old["superseded_at"] is not None
    left = await invoices_of(invoicing, auth(), created["id"])
    assert [(i["kind"], i["status"]) for i in left] == [
        ("invoice", "credited"),
        ("credit_note", "issued"),
    ]  # the old sheet's drafts were discarded with it
    assert {i["id"] for i in rest}.isdisjoint(i["id"] for i in left)
    drafts = await invoices_of(invoicing, auth(), new["id"])
    assert sum(i["subtotal_cents"] for i in drafts) == new["total_cents"]
    stale = await _revise(invoicing, auth(), created["id"], REVISED)
    assert stale.status_code == 409
    assert _rules(stale) == [("path.cost_sheet_id", "sheet_superseded")]
