"""Attendance, closing, signatures, amendments and the proof of attendance, over HTTP and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session, record, record_all
from tests.scheduling.sessions.support import (
    broken_rules,
    facilitator,
    make_group,
    participant,
    plan_one,
)


async def test_full_flow_until_the_proof_is_complete(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    lead = facilitator(auth, group)
    session = await plan_one(scheduling, auth("admin"), group, description="Intervisie")
    first = await record(
        scheduling, lead, session, group.member_ids[1], arrived_at="2025-01-14T19:20"
    )
    assert first.status_code == 200, first.text
    attendance = first.json()["attendance"]
    assert attendance["arrived_at"] == "2025-01-14T19:20:00+01:00"
    assert attendance["departed_at"] == "2025-01-14T21:30:00+01:00", "the session's end"
    await record_all(scheduling, lead, session, group)

    closed = await scheduling.post(
        f"/v1/sessions/{session['id']}/close",
        json={"description": "Intervisie, incidentmethode"},
        headers=lead,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["session"]["status"] == "closed"
    assert closed.json()["session"]["facilitator_signed_at"] is not None, "closing signs"

    proof_url = f"/v1/sessions/{session['id']}/proof"
    proof = (await scheduling.get(proof_url, headers=lead)).json()
    assert proof["date"] == "2025-01-14"
    assert (proof["local_start"], proof["local_end"]) == (
        "2025-01-14T19:00:00",
        "2025-01-14T21:30:00",
    )
    assert proof["method"]["name"] == "Incidentmethode"
    assert proof["description"] == "Intervisie, incidentmethode"
    assert proof["facilitator"]["person_id"] == str(group.facilitator_id)
    assert proof["facilitator"]["name"] == "Fenna Test"
    assert proof["facilitator"]["signed_at"] is not None
    statuses = {a["person_id"]: a["status"] for a in proof["attendees"]}
    assert statuses == {
        str(group.member_ids[0]): "present",
        str(group.member_ids[1]): "present",
        str(group.member_ids[2]): "absent",
    }
    assert proof["complete"] is False
    assert proof["missing_signatures"] == [str(p) for p in group.member_ids[:2]]

    for person_id in group.member_ids[:2]:
        signed = await scheduling.post(
            f"/v1/sessions/{session['id']}/signatures", headers=participant(auth, person_id)
        )
        assert signed.status_code == 200, signed.text
    again = await scheduling.post(
        f"/v1/sessions/{session['id']}/signatures", headers=participant(auth, group.member_ids[0])
    )
    assert again.status_code == 200, "confirming twice changes nothing"

    proof = (await scheduling.get(proof_url, headers=participant(auth, group.member_ids[2]))).json()
    assert proof["complete"] is True and proof["missing_signatures"] == []
    assert all(a["confirmed_at"] for a in proof["attendees"] if a["status"] == "present")


@pytest.mark.parametrize(
    ("status", "times", "broken"),
    [
        ("present", {"arrived_at": "2025-01-14T18:59"}, "within_session"),
        ("present", {"departed_at": "2025-01-14T21:31"}, "within_session"),
        (
            "present",
            {"arrived_at": "2025-01-14T20:00", "departed_at": "2025-01-14T19:30"},
            "departure_after_arrival",
        ),
        ("absent", {"arrived_at": "2025-01-14T19:00"}, "times_only_when_present"),
        ("excused", {"departed_at": "2025-01-14T21:00"}, "times_only_when_present"),
        ("present", {"arrived_at": "2025-01-14T25:00"}, "date_time"),
    ],
)
async def test_attendance_rules_are_422s_naming_the_rule(
    scheduling: httpx.AsyncClient,
    auth: Token,
    status: str,
    times: dict[str, str],
    broken: str,
) -> None:
    group = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    response = await record(
        scheduling, facilitator(auth, group), session, group.member_ids[0], status, **times
    )
    assert response.status_code == 422, response.text
    assert broken_rules(response) == [broken]


async def test_only_members_are_recorded_and_only_by_the_facilitator(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1)
    other = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    outsider = await record(scheduling, auth("admin"), session, other.member_ids[0])
    assert outsider.status_code == 422 and broken_rules(outsider) == ["not_a_member"]
    nobody = await record(scheduling, auth("admin"), session, uuid.uuid4())
    assert nobody.status_code == 404
    # Another group's facilitator is told the session does not exist (ADR 0080) ...
    assert (
        await record(scheduling, facilitator(auth, other), session, group.member_ids[0])
    ).status_code == 404
    # ... a member, who sees it, that recording is not theirs.
    assert (
        await record(
            scheduling, participant(auth, group.member_ids[0]), session, group.member_ids[0]
        )
    ).status_code == 403
    # A facilitator token without the person claim facilitates (and sees) nothing.
    assert (
        await record(scheduling, auth("facilitator"), session, group.member_ids[0])
    ).status_code == 404


async def test_after_closing_attendance_changes_only_by_amendment(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    lead = facilitator(auth, group)
    member = group.member_ids[0]

    again = await record(scheduling, lead, session, member, "absent")
    assert again.status_code == 409 and broken_rules(again) == ["session_closed"]
    reopened = await scheduling.post(f"/v1/sessions/{session['id']}/close", json={}, headers=lead)
    assert reopened.status_code == 409 and broken_rules(reopened) == ["session_closed"]
    moved = await scheduling.post(
        f"/v1/sessions/{session['id']}/reschedule",
        json={"start": "2025-01-15T19:00", "end": "2025-01-15T21:00", "reason": "x"},
        headers=lead,
    )
    assert moved.status_code == 409 and broken_rules(moved) == ["session_closed"]

    confirmed = await scheduling.post(
        f"/v1/sessions/{session['id']}/signatures", headers=participant(auth, member)
    )
    assert confirmed.status_code == 200

    url = f"/v1/sessions/{session['id']}/attendance/{member}/amendments"
    no_reason = await scheduling.post(url, json={"status": "excused"}, headers=lead)
    assert no_reason.status_code == 400 and broken_rules(no_reason) == ["required"]
    amended = await scheduling.post(
        url, json={"status": "excused", "reason": "Verkeerd genoteerd"}, headers=lead
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["attendance"]["status"] == "excused"
    assert amended.json()["attendance"]["confirmed_at"] is None

    proof = (await scheduling.get(f"/v1/sessions/{session['id']}/proof", headers=lead)).json()
    (attendee,) = [a for a in proof["attendees"] if a["person_id"] == str(member)]
    assert attendee["status"] == "excused"
    assert [(a["previous_status"], a["status"], a["reason"]) for a in attendee["amendments"]] == [
        ("present", "excused", "Verkeerd genoteerd")
    ]

    bad = await scheduling.post(
        url,
        json={"status": "present", "arrived_at": "2025-01-14T22:00", "reason": "x"},
        headers=lead,
    )
    assert bad.status_code == 422 and broken_rules(bad) == ["within_session"]


async def test_amending_an_open_session_is_a_409(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    response = await scheduling.post(
        f"/v1/sessions/{session['id']}/attendance/{group.member_ids[0]}/amendments",
        json={"status": "absent", "reason": "x"},
        headers=auth("admin"),
    )
    assert response.status_code == 409 and broken_rules(response) == ["session_not_closed"]


async def test_signatures_need_a_closed_session_and_a_present_member(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    open_session = await plan_one(
        scheduling, auth("admin"), group, start="2025-02-14T19:00", end="2025-02-14T21:00"
    )
    early = await scheduling.post(
        f"/v1/sessions/{open_session['id']}/signatures",
        headers=participant(auth, group.member_ids[0]),
    )
    assert early.status_code == 409 and broken_rules(early) == ["session_not_closed"]

    group, session = await closed_session(scheduling, auth)
    absent = await scheduling.post(
        f"/v1/sessions/{session['id']}/signatures", headers=participant(auth, group.member_ids[2])
    )
    assert absent.status_code == 422 and broken_rules(absent) == ["present_only"]
    admin = await scheduling.post(f"/v1/sessions/{session['id']}/signatures", headers=auth("admin"))
    assert admin.status_code == 403


async def test_when_an_admin_closes_the_facilitator_signs_afterwards(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    await record(scheduling, auth("admin"), session, group.member_ids[0], "excused")
    closed = await scheduling.post(
        f"/v1/sessions/{session['id']}/close", json={}, headers=auth("admin")
    )
    assert closed.json()["session"]["facilitator_signed_at"] is None
    proof = (
        await scheduling.get(f"/v1/sessions/{session['id']}/proof", headers=auth("admin"))
    ).json()
    assert proof["complete"] is False
    assert proof["missing_signatures"] == [str(group.facilitator_id)]

    signed = await scheduling.post(
        f"/v1/sessions/{session['id']}/signatures", headers=facilitator(auth, group)
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["complete"] is True
    assert signed.json()["facilitator"]["signed_at"] is not None


async def test_absences_over_the_groups_limit_are_warned(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1, max_absences=1)
    lead = facilitator(auth, group)
    member = group.member_ids[0]
    first = await plan_one(scheduling, auth("admin"), group)
    second = await plan_one(
        scheduling, auth("admin"), group, start="2025-04-14T19:00", end="2025-04-14T21:00"
    )
    once = await record(scheduling, lead, first, member, "absent")
    assert once.json()["warnings"] == []
    excused = await record(scheduling, lead, second, member, "excused")
    assert excused.json()["warnings"] == [], "an excused absence does not count"
    twice = await record(scheduling, lead, second, member, "absent")
    assert twice.status_code == 200, "a warning, not an error"
    assert twice.json()["warnings"] == [
        {
            "rule": "max_absences",
            "message": "absent 2 times this year; the group allows 1",
            "person_id": str(member),
        }
    ]
    closed = await scheduling.post(f"/v1/sessions/{second['id']}/close", json={}, headers=lead)
    assert [w["rule"] for w in closed.json()["warnings"]] == ["max_absences"]

    next_year = await plan_one(
        scheduling, auth("admin"), group, start="2026-01-12T19:00", end="2026-01-12T21:00"
    )
    fresh = await record(scheduling, lead, next_year, member, "absent")
    assert fresh.json()["warnings"] == [], "max_absences counts per calendar year"


async def test_the_database_refuses_to_rewrite_a_closed_sessions_attendance(
    scheduling: httpx.AsyncClient, auth: Token, database_url: str, org: uuid.UUID
) -> None:
    _, session = await closed_session(scheduling, auth)
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scheduling"})
    try:
        await conn.execute('SET ROLE "kring_scheduling"')
        statements = [
            "UPDATE attendance SET status = 'excused', arrived_at = NULL, departed_at = NULL"
            " WHERE session_id = $1",
            "DELETE FROM attendance WHERE session_id = $1",
            "UPDATE sessions SET description = 'rewritten' WHERE id = $1",
            "UPDATE sessions SET status = 'planned', closed_at = NULL WHERE id = $1",
            "DELETE FROM session_changes WHERE session_id = $1",
        ]
        for statement in statements:
            with pytest.raises(asyncpg.RestrictViolationError):
                async with conn.transaction():
                    await conn.execute("SELECT set_config('app.org_id', $1, true)", str(org))
                    if "session_changes" in statement:
                        await conn.execute(
                            "INSERT INTO session_changes (org_id, id, session_id, kind, reason,"
                            " previous_starts_at, previous_ends_at, starts_at, ends_at, sequence,"
                            " changed_by) SELECT org_id, gen_random_uuid(), id, 'cancelled', 'x',"
                            " starts_at, ends_at, starts_at, ends_at, 1, 't' FROM sessions"
                            " WHERE id = $1",
                            uuid.UUID(session["id"]),
                        )
                    await conn.execute(statement, uuid.UUID(session["id"]))
    finally:
        await conn.close()
