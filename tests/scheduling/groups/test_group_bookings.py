"""Joining a group checks the newcomer's other bookings against the group's sessions."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import (
    Group,
    broken_rules,
    facilitator,
    make_group,
    plan_one,
)


async def _overlapping(
    scheduling: httpx.AsyncClient, auth: Token
) -> tuple[Group, Group, dict, dict]:
    """Two groups of one member each, whose sessions overlap: (busy, other, each's session)."""
    busy = await make_group(scheduling, auth, members=1, name="Bezet")
    other = await make_group(scheduling, auth, members=1, name="Ander")
    elsewhere = await plan_one(
        scheduling, auth("admin"), busy, start="2031-03-04T19:00", end="2031-03-04T21:00"
    )
    own = await plan_one(
        scheduling, auth("admin"), other, start="2031-03-04T20:00", end="2031-03-04T22:00"
    )
    return busy, other, elsewhere, own


async def test_joining_a_group_whose_session_clashes_with_another_booking_is_a_409(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    busy, other, elsewhere, _ = await _overlapping(scheduling, auth)

    response = await scheduling.post(
        f"/v1/groups/{other.id}/members",
        json={"person_id": str(busy.member_ids[0])},
        headers=auth("admin"),
    )
    assert response.status_code == 409
    assert broken_rules(response) == ["double_booking"]
    assert response.json()["extra"]["session_id"] == elsewhere["id"]


async def test_a_facilitator_adding_a_booked_person_is_told_when_not_which_session(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    busy, other, elsewhere, own = await _overlapping(scheduling, auth)
    joining = {"person_id": str(busy.member_ids[0])}

    response = await scheduling.post(
        f"/v1/groups/{other.id}/members", json=joining, headers=facilitator(auth, other)
    )

    assert response.status_code == 409, response.text
    assert broken_rules(response) == ["double_booking"]
    assert response.json()["extra"] == {
        "person_id": str(busy.member_ids[0]),
        "starts_at": "2031-03-04T19:00:00+01:00",
        "ends_at": "2031-03-04T21:00:00+01:00",
        "own_session_id": own["id"],
    }
    assert elsewhere["id"] not in response.text
    assert "2031-03-04 19:00 to 21:00" in response.json()["errors"][0]["message"]
