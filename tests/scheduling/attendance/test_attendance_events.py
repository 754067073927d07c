"""Attendance's events: a participant's confirmation and the facilitator's sign-off, each
once however often it is sent."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session, recorded_session
from tests.scheduling.sessions.support import events, facilitator, participant


async def test_a_confirmation_is_one_event_however_often_it_is_sent(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    _, cursor = await events(scheduling, auth, expect=3)
    me = participant(auth, group.member_ids[0])
    for _ in range(2):
        signed = await scheduling.post(f"/v1/sessions/{session['id']}/signatures", headers=me)
        assert signed.status_code == 200, signed.text
    items, _ = await events(scheduling, auth, after=cursor)
    assert [(e["type"], e["data"]["person_id"]) for e in items] == [
        ("attendance.confirmed", str(group.member_ids[0]))
    ]


async def test_the_facilitator_s_sign_off_is_one_event_however_often_it_is_sent(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await recorded_session(scheduling, auth)
    path = f"/v1/sessions/{session['id']}"
    closed = await scheduling.post(f"{path}/close", json={}, headers=auth("admin"))
    assert closed.status_code == 200, closed.text
    items, cursor = await events(scheduling, auth, expect=2)
    assert [e["type"] for e in items] == ["session.scheduled", "session.closed"]  # unsigned
    me = participant(auth, group.member_ids[0])
    assert (await scheduling.post(f"{path}/signatures", headers=me)).status_code == 200
    for _ in range(2):
        signed = await scheduling.post(f"{path}/signatures", headers=facilitator(auth, group))
        assert signed.status_code == 200, signed.text

    items, _ = await events(scheduling, auth, after=cursor, expect=2)
    assert [e["type"] for e in items] == ["attendance.confirmed", "session.signed_off"]
    signed_off = items[1]
    assert signed_off["aggregate_id"] == session["id"]
    proof = (await scheduling.get(f"{path}/proof", headers=auth("admin"))).json()
    assert signed_off["data"] == {
        "session_id": session["id"],
        "group_id": str(group.id),
        "facilitator_id": str(group.facilitator_id),
        "signed_at": proof["facilitator"]["signed_at"],
        "attendees": [
            {"person_id": a["person_id"], "employer_id": None, "status": a["status"]}
            for a in signed_off["data"]["attendees"]
        ],
    }
    assert {a["person_id"]: a["status"] for a in signed_off["data"]["attendees"]} == {
        str(group.member_ids[0]): "present",
        str(group.member_ids[1]): "present",
        str(group.member_ids[2]): "absent",
    }
