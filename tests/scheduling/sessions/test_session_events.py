"""Scheduling's events: written with the change that caused them, readable from the feed."""

from __future__ import annotations

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import events, facilitator, make_group, plan_one


async def test_closing_emits_a_snapshot_for_ledgers_and_invoices(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    items, _ = await events(scheduling, auth, expect=3)
    # closed by its facilitator, whose closing signs the proof
    assert [e["type"] for e in items] == [
        "session.scheduled",
        "session.closed",
        "session.signed_off",
    ]
    closed = items[1]
    assert closed["aggregate_id"] == session["id"]
    data = closed["data"]
    assert data["session_id"] == session["id"]
    assert data["date"] == "2025-01-14"
    assert data["method"] == "Incidentmethode"
    assert data["group_size"] == 3
    assert data["member_ids"] == [str(p) for p in group.member_ids]
    assert data["facilitator"]["person_id"] == str(group.facilitator_id)
    assert {a["person_id"]: a["status"] for a in data["attendees"]} == {
        str(group.member_ids[0]): "present",
        str(group.member_ids[1]): "present",
        str(group.member_ids[2]): "absent",
    }
    late = next(a for a in data["attendees"] if a["person_id"] == str(group.member_ids[1]))
    assert late["arrived_at"] == "2025-01-14T18:20:00Z"


async def test_a_closed_session_cancelled_in_error_says_so(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, session = await closed_session(scheduling, auth)
    _, cursor = await events(scheduling, auth, expect=3)
    cancelled = await scheduling.post(
        f"/v1/sessions/{session['id']}/cancel",
        json={"reason": "Held in error: the group did not meet"},
        headers=facilitator(auth, group),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    items, _ = await events(scheduling, auth, after=cursor)
    assert [e["type"] for e in items] == ["session.cancelled"]
    assert items[0]["data"]["previous_status"] == "closed"
    again = await scheduling.post(
        f"/v1/sessions/{session['id']}/cancel",
        json={"reason": "twice"},
        headers=facilitator(auth, group),
    )
    assert again.status_code == 409


async def test_the_feed_is_the_tenants_own_and_for_trusted_readers(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    import uuid

    await closed_session(scheduling, auth)
    other = await scheduling.get("/v1/events", headers=token_for(uuid.uuid4(), "admin"))
    assert other.json()["items"] == []
    assert (await scheduling.get("/v1/events", headers=auth("participant"))).status_code == 403
    bad = await scheduling.get(
        "/v1/events", params={"cursor": "not-a-cursor"}, headers=auth("admin")
    )
    assert bad.status_code == 400


async def test_an_event_carries_the_request_id_that_caused_it(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    from tests.scheduling.attendance.support import record_all
    from tests.scheduling.sessions.support import make_group, plan_one

    group = await make_group(scheduling, auth)
    session = await plan_one(scheduling, auth("admin"), group)
    await record_all(scheduling, facilitator(auth, group), session, group)
    closed = await scheduling.post(
        f"/v1/sessions/{session['id']}/close",
        json={},
        headers={**facilitator(auth, group), "x-request-id": "hr-sync-42"},
    )
    assert closed.status_code == 200
    items, _ = await events(scheduling, auth, expect=3)
    assert [e["type"] for e in items][-2:] == ["session.closed", "session.signed_off"]
    assert {e["correlation_id"] for e in items[-2:]} == {"hr-sync-42"}


async def test_a_reschedule_is_announced_with_the_times_before_and_after(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=2)
    session = await plan_one(scheduling, auth("admin"), group)
    _, cursor = await events(scheduling, auth)
    path = f"/v1/sessions/{session['id']}/reschedule"
    move = {"start": "2025-01-21T19:00", "end": "2025-01-21T21:00", "reason": "Zaal bezet"}
    moved = await scheduling.post(path, json=move, headers=facilitator(auth, group))
    assert moved.status_code == 200, moved.text
    clash = {**move, "start": "2025-01-21T22:00"}  # ends before it starts: refused
    assert (await scheduling.post(path, json=clash, headers=auth("admin"))).status_code == 422

    (item,) = (await events(scheduling, auth, after=cursor))[0]
    assert (item["type"], item["aggregate_id"]) == ("session.rescheduled", session["id"])
    data = item["data"]
    assert data["local_start"] == "2025-01-21T19:00:00"
    assert data["local_end"] == "2025-01-21T21:00:00"
    assert (data["previous_starts_at"], data["previous_ends_at"]) == (
        session["starts_at"],
        session["ends_at"],
    )
    assert (data["reason"], data["sequence"]) == ("Zaal bezet", moved.json()["session"]["sequence"])
    assert [m["person_id"] for m in data["members"]] == sorted(str(p) for p in group.member_ids)
