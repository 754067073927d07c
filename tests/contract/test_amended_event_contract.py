"""The `attendance.amended` scheduling sends matches its published contract, and accreditation's
decoding Struct takes it."""

from __future__ import annotations

import httpx
import msgspec

from services.accreditation.events import schemas as accreditation
from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import events, facilitator

from .test_events_contract import webhook_validator


async def test_a_sent_attendance_amended_matches_the_contract(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    _, cursor = await events(scheduling, auth, expect=3)
    amended = await scheduling.post(
        f"/v1/sessions/{session['id']}/attendance/{group.member_ids[0]}/amendments",
        json={"status": "present", "departed_at": "2025-01-14T21:00", "reason": "Eerder weg"},
        headers=facilitator(auth, group),
    )
    assert amended.status_code == 201, amended.text
    (sent,) = (await events(scheduling, auth, after=cursor))[0]

    validator = webhook_validator("attendance.amended")
    errors = list(validator.iter_errors(sent))
    assert errors == [], [e.message for e in errors]
    assert not validator.is_valid({**sent, "data": {"session_id": session["id"]}})
    decoded = msgspec.convert(sent["data"], accreditation.AttendanceAmendedData, strict=False)
    assert (str(decoded.person_id), decoded.reason) == (str(group.member_ids[0]), "Eerder weg")
    assert len(decoded.attendees) == len(sent["data"]["attendees"])
