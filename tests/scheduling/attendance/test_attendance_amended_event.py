"""An amendment after close is announced as `attendance.amended`, with the session's snapshot as
`session.closed` carries it, corrected; before close there is no amendment and no event, and a
closed session's time is not moved (its attendance is amended instead)."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import (
    broken_rules,
    events,
    facilitator,
    make_group,
    plan_one,
)


async def test_an_amendment_after_close_sends_the_corrected_snapshot(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    sent, cursor = await events(scheduling, auth, expect=3)
    closed = sent[1]["data"]
    member = str(group.member_ids[0])

    amended = await scheduling.post(
        f"/v1/sessions/{session['id']}/attendance/{member}/amendments",
        json={"status": "present", "departed_at": "2025-01-14T21:00", "reason": "Eerder weg"},
        headers=facilitator(auth, group),
    )
    assert amended.status_code == 201, amended.text

    (item,) = (await events(scheduling, auth, after=cursor))[0]
    assert (item["type"], item["aggregate_id"]) == ("attendance.amended", session["id"])
    data = item["data"]
    assert (data["person_id"], data["reason"]) == (member, "Eerder weg")
    assert {k: v for k, v in data.items() if k in closed and k != "attendees"} == {
        k: v for k, v in closed.items() if k != "attendees"
    }
    times = {a["person_id"]: (a["status"], a["departed_at"]) for a in data["attendees"]}
    before = {a["person_id"]: (a["status"], a["departed_at"]) for a in closed["attendees"]}
    assert times == {**before, member: ("present", "2025-01-14T20:00:00Z")}
    assert before[member] == ("present", "2025-01-14T20:30:00Z")


async def test_before_close_there_is_no_amendment_and_no_event(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    _, cursor = await events(scheduling, auth)
    refused = await scheduling.post(
        f"/v1/sessions/{session['id']}/attendance/{group.member_ids[0]}/amendments",
        json={"status": "present", "departed_at": "2025-01-14T21:00", "reason": "x"},
        headers=auth("admin"),
    )
    assert refused.status_code == 409 and broken_rules(refused) == ["session_not_closed"]
    recorded = await scheduling.put(
        f"/v1/sessions/{session['id']}/attendance/{group.member_ids[0]}",
        json={"status": "present", "departed_at": "2025-01-14T21:00"},
        headers=auth("admin"),
    )
    assert recorded.status_code == 200, recorded.text
    after = await scheduling.get("/v1/events", params={"cursor": cursor}, headers=auth("admin"))
    assert after.status_code == 200 and after.json()["items"] == []


async def test_a_closed_session_is_not_rescheduled(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    _, cursor = await events(scheduling, auth, expect=3)
    moved = await scheduling.post(
        f"/v1/sessions/{session['id']}/reschedule",
        json={"start": "2025-01-14T19:00", "end": "2025-01-14T21:00", "reason": "Eerder klaar"},
        headers=facilitator(auth, group),
    )
    assert moved.status_code == 409 and broken_rules(moved) == ["session_closed"]
    after = await scheduling.get("/v1/events", params={"cursor": cursor}, headers=auth("admin"))
    assert after.json()["items"] == []
