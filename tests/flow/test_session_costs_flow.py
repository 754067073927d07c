"""A session's own costs, across the processes: closed in scheduling with its room and its
kilometres, it is invoiced with those figures; a cost sheet sent to invoicing by hand is
checked against scheduling over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from bench.flow import MEMBERS, nova_group, planned_sessions
from tests.flow.platform import Platform
from tests.flow.support import eventually, ok
from tests.invoicing.support import MUNICIPALITY, amounts_per_kind

COSTS = {"travel_km": 54, "location_cents": 12000, "location_description": "Zaal De Observant"}


def by_hand(session_id: str, facilitator: str, members: list[str]) -> dict[str, Any]:
    """A cost sheet of the session as a client would send it."""
    return {
        "session_id": session_id,
        "facilitator_id": facilitator,
        "session_starts_at": "2025-05-06T19:00:00+02:00",
        "session_ends_at": "2025-05-06T21:30:00+02:00",
        "participants": [
            {"person_id": p, "name": f"Advocaat {i}", "debtor": MUNICIPALITY}
            for i, p in enumerate(members)
        ],
    }


async def test_a_session_closed_with_its_own_room_and_km_is_invoiced_with_them(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(uuid.uuid4(), "admin", ttl=3600)
    group, members = await nova_group(platform.urls, admin, invoice_prefix="ZAAL")
    (session_id,) = await planned_sessions(
        platform.urls, admin, group, members, count=1, start="2025-05-06"
    )
    scheduling = httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin, timeout=30)
    invoicing = httpx.AsyncClient(base_url=platform.urls["invoicing"], headers=admin, timeout=30)
    async with scheduling, invoicing:
        close = f"/v1/sessions/{session_id}/close"
        assert ok(await scheduling.post(close, json={"costs": COSTS}))["session"]["costs"]

        async def billed() -> list[dict[str, Any]]:
            items = ok(await invoicing.get("/v1/cost-sheets", params={"limit": 200}))["items"]
            return [s for s in items if s["session_id"] == session_id]

        [sheet] = await eventually(billed)
        invoices = ok(await invoicing.get("/v1/invoices", params={"cost_sheet_id": sheet["id"]}))
        fac = group["facilitator_id"]
        unknown = await invoicing.post(
            "/v1/cost-sheets", json=by_hand(str(uuid.uuid4()), fac, members)
        )
        second = await invoicing.post("/v1/cost-sheets", json=by_hand(session_id, fac, members))

    assert (sheet["travel_km"], sheet["location_cents"]) == (54, 12000)
    lines = {line["kind"]: line for line in sheet["lines"]}
    assert lines["travel_costs"]["amount_cents"] == 54 * 23
    assert (lines["location"]["amount_cents"], lines["location"]["description"]) == (
        12000,
        "Zaal De Observant",
    )
    assert len(invoices["items"]) == MEMBERS
    assert amounts_per_kind(invoices["items"]) == amounts_per_kind([sheet])
    assert unknown.status_code == 422, unknown.text
    assert [e["rule"] for e in unknown.json()["errors"]] == ["session_unknown"]
    assert second.status_code == 409, second.text
    assert second.json()["extra"] == {"cost_sheet_id": sheet["id"]}
