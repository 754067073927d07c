"""Attendance's events: a participant's confirmation, once however often it is sent."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import events, participant


async def test_a_confirmation_is_one_event_however_often_it_is_sent(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    _, cursor = await events(scheduling, auth, expect=2)
    me = participant(auth, group.member_ids[0])
    for _ in range(2):
        signed = await scheduling.post(f"/v1/sessions/{session['id']}/signatures", headers=me)
        assert signed.status_code == 200, signed.text
    items, _ = await events(scheduling, auth, after=cursor)
    assert [(e["type"], e["data"]["person_id"]) for e in items] == [
        ("attendance.confirmed", str(group.member_ids[0]))
    ]
