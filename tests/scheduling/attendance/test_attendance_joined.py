"""How each attendee joined: in a hybrid session the facilitator says who was online, and the
closed session's snapshot carries it per attendee; other sessions are joined as they are held."""

from __future__ import annotations

import httpx
import pytest

from services.scheduling.attendance import rules
from tests.conftest import Token
from tests.scheduling.attendance.support import record
from tests.scheduling.sessions.support import (
    broken_rules,
    events,
    facilitator,
    make_group,
    plan_one,
)

VIDEO = "https://meet.example.nl/kring"


async def test_a_hybrid_session_says_who_joined_online(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, mode="hybrid")
    lead = facilitator(auth, group)
    session = await plan_one(scheduling, auth("admin"), group, video_link=VIDEO)
    online, in_room, absent = group.member_ids
    said = await record(scheduling, lead, session, online, joined="online")
    assert said.status_code == 200, said.text
    assert said.json()["attendance"]["joined"] == "online"
    unsaid = await record(scheduling, lead, session, in_room)
    assert unsaid.json()["attendance"]["joined"] is None
    await record(scheduling, lead, session, absent, "absent")
    closed = await scheduling.post(f"/v1/sessions/{session['id']}/close", json={}, headers=lead)
    assert closed.status_code == 200, closed.text

    sent, _ = await events(scheduling, auth, expect=3)
    attendees = {a["person_id"]: a["joined"] for a in sent[1]["data"]["attendees"]}
    assert attendees == {str(online): "online", str(in_room): "in_person", str(absent): None}


async def test_a_session_held_in_person_is_joined_in_person(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    lead = facilitator(auth, group)
    session = await plan_one(scheduling, auth("admin"), group)
    online = await record(scheduling, lead, session, group.member_ids[0], joined="online")
    assert online.status_code == 422
    assert broken_rules(online) == ["joined_as_held"]
    absent = await record(scheduling, lead, session, group.member_ids[1], "absent", joined="online")
    assert broken_rules(absent) == ["joined_only_when_present"]
    same = await record(scheduling, lead, session, group.member_ids[2], joined="in_person")
    assert same.status_code == 200, same.text


@pytest.mark.parametrize(
    ("mode", "joined", "status", "expected"),
    [
        ("hybrid", "online", "present", "online"),
        ("hybrid", None, "present", "in_person"),
        ("hybrid", "online", "absent", None),
        ("online", None, "present", "online"),
        ("in_person", None, "present", "in_person"),
        ("in_person", None, "excused", None),
    ],
)
def test_how_an_attendee_took_part(
    mode: str, joined: str | None, status: str, expected: str | None
) -> None:
    assert rules.joined_as(mode, joined, status=status) == expected
