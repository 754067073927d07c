"""The costs a facilitator enters when closing a session: bounded, kept with the session as
entered, and carried in the `session.closed` and `attendance.amended` snapshots."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Token
from tests.scheduling.attendance.support import record_all
from tests.scheduling.sessions.support import (
    broken_rules,
    events,
    facilitator,
    make_group,
    plan_one,
)

ENTERED = {"travel_km": 54, "location_cents": 12000, "location_description": "Zaal De Observant"}
AS_KEPT = {
    "preparation_minutes": None,
    "travel_minutes": None,
    "travel_km": 54,
    "location_cents": 12000,
    "location_description": "Zaal De Observant",
    "other_cents": None,
    "other_description": None,
}


async def _recorded(client: httpx.AsyncClient, auth: Token) -> tuple[dict[str, str], dict]:
    """A session with every member's attendance recorded, not closed; its facilitator's token."""
    group = await make_group(client, auth)
    session = await plan_one(client, auth("admin"), group)
    lead = facilitator(auth, group)
    await record_all(client, lead, session, group)
    return lead, session


async def _close(
    client: httpx.AsyncClient, lead: dict[str, str], session: dict, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"/v1/sessions/{session['id']}/close", json=body, headers=lead)


async def test_the_costs_entered_at_closing_go_out_in_the_snapshot_as_entered(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    lead, session = await _recorded(scheduling, auth)

    closed = await _close(scheduling, lead, session, {"costs": ENTERED})

    assert closed.status_code == 200, closed.text
    assert closed.json()["session"]["costs"] == AS_KEPT
    read = await scheduling.get(f"/v1/sessions/{session['id']}", headers=lead)
    assert read.json()["costs"] == AS_KEPT
    items, _ = await events(scheduling, auth, expect=2)
    assert [e["type"] for e in items][:2] == ["session.scheduled", "session.closed"]
    assert items[1]["data"]["costs"] == AS_KEPT


async def test_a_session_closed_without_costs_says_none_were_entered(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    lead, session = await _recorded(scheduling, auth)
    assert (await _close(scheduling, lead, session, {})).json()["session"]["costs"] is None
    items, _ = await events(scheduling, auth, expect=2)
    assert items[1]["data"]["costs"] is None


async def test_an_amendment_s_snapshot_keeps_the_costs(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    lead, session = await _recorded(scheduling, auth)
    other = {**ENTERED, "other_cents": 1250, "other_description": "Koffie en thee"}
    assert (await _close(scheduling, lead, session, {"costs": other})).status_code == 200
    _, cursor = await events(scheduling, auth, expect=2)
    attendees = (await scheduling.get(f"/v1/sessions/{session['id']}/proof", headers=lead)).json()
    member = attendees["attendees"][0]["person_id"]

    amended = await scheduling.post(
        f"/v1/sessions/{session['id']}/attendance/{member}/amendments",
        json={"status": "excused", "reason": "Verkeerd genoteerd"},
        headers=lead,
    )

    assert amended.status_code == 201, amended.text
    items, _ = await events(scheduling, auth, after=cursor)
    assert [e["type"] for e in items] == ["attendance.amended"]
    assert items[0]["data"]["costs"] == {
        **AS_KEPT,
        "other_cents": 1250,
        "other_description": "Koffie en thee",
    }


@pytest.mark.parametrize(
    ("costs", "field", "rule"),
    [
        ({"preparation_minutes": -1}, "body.costs.preparation_minutes", "range"),
        ({"travel_minutes": 1441}, "body.costs.travel_minutes", "range"),
        ({"travel_km": -5}, "body.costs.travel_km", "range"),
        ({"travel_km": 10_001}, "body.costs.travel_km", "range"),
        ({"location_cents": -1}, "body.costs.location_cents", "range"),
        ({"location_cents": 10_000_001}, "body.costs.location_cents", "range"),
        ({"other_cents": 10_000_001}, "body.costs.other_cents", "range"),
        ({"location_description": " "}, "body.costs.location_description", "pattern"),
        ({"parking_cents": 500}, "body.costs.parking_cents", "unknown_field"),
    ],
)
async def test_a_figure_out_of_its_range_is_a_400_and_nothing_closes(
    scheduling: httpx.AsyncClient, auth: Token, costs: dict[str, Any], field: str, rule: str
) -> None:
    lead, session = await _recorded(scheduling, auth)

    response = await _close(scheduling, lead, session, {"costs": costs})

    assert response.status_code == 400, response.text
    assert broken_rules(response) == [rule]
    assert response.json()["errors"][0]["field"] == field
    await _still_open(scheduling, auth, lead, session)


async def test_other_costs_without_what_they_were_are_a_422_and_nothing_closes(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    lead, session = await _recorded(scheduling, auth)

    response = await _close(scheduling, lead, session, {"costs": {"other_cents": 1250}})

    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.costs.other_description", "required")
    ]
    await _still_open(scheduling, auth, lead, session)
    zero = await _close(scheduling, lead, session, {"costs": {"other_cents": 0}})
    assert zero.status_code == 200, zero.text


async def _still_open(
    client: httpx.AsyncClient, auth: Token, lead: dict[str, str], session: dict
) -> None:
    read = (await client.get(f"/v1/sessions/{session['id']}", headers=lead)).json()
    assert (read["status"], read["costs"]) == ("planned", None)
    items, _ = await events(client, auth, expect=1)
    assert [e["type"] for e in items] == ["session.scheduled"]
