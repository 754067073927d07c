"""Closing a session: every member recorded, the session begun, a short description."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import record
from tests.scheduling.sessions.support import broken_rules, facilitator, make_group, plan_one


async def test_closing_needs_every_member_recorded_and_a_begun_session(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    lead = facilitator(auth, group)
    session = await plan_one(scheduling, auth("admin"), group)
    await record(scheduling, lead, session, group.member_ids[0])
    response = await scheduling.post(f"/v1/sessions/{session['id']}/close", json={}, headers=lead)
    assert response.status_code == 422
    assert broken_rules(response) == ["attendance_incomplete"]
    assert response.json()["extra"]["person_ids"] == sorted(str(p) for p in group.member_ids[1:])

    future = await plan_one(
        scheduling, auth("admin"), group, start="2099-01-14T19:00", end="2099-01-14T21:00"
    )
    response = await scheduling.post(f"/v1/sessions/{future['id']}/close", json={}, headers=lead)
    assert response.status_code == 422
    assert broken_rules(response) == ["session_not_started"]


async def test_a_long_description_is_refused(scheduling: httpx.AsyncClient, auth: Token) -> None:
    group = await make_group(scheduling, auth, members=0)
    session = await plan_one(scheduling, auth("admin"), group)
    response = await scheduling.post(
        f"/v1/sessions/{session['id']}/close",
        json={"description": "x" * 281},
        headers=auth("admin"),
    )
    assert response.status_code == 400
    assert broken_rules(response) == ["length"]
