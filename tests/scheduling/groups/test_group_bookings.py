"""Joining a group checks the newcomer's other bookings against the group's sessions."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import broken_rules, make_group, plan_one


async def test_joining_a_group_whose_session_clashes_with_another_booking_is_a_409(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    busy = await make_group(scheduling, auth, members=1, name="Bezet")
    other = await make_group(scheduling, auth, members=1, name="Ander")
    elsewhere = await plan_one(
        scheduling, auth("admin"), busy, start="2031-03-04T19:00", end="2031-03-04T21:00"
    )
    await plan_one(
        scheduling, auth("admin"), other, start="2031-03-04T20:00", end="2031-03-04T22:00"
    )

    response = await scheduling.post(
        f"/v1/groups/{other.id}/members",
        json={"person_id": str(busy.member_ids[0])},
        headers=auth("admin"),
    )
    assert response.status_code == 409
    assert broken_rules(response) == ["double_booking"]
    assert response.json()["extra"]["session_id"] == elsewhere["id"]
