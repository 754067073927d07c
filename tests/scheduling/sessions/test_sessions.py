"""Sessions through the HTTP API: planning one or a series, rules, overlap, reschedule, cancel."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import record
from tests.scheduling.sessions.support import (
    Group,
    broken_rules,
    facilitator,
    make_group,
    participant,
    plan,
    plan_one,
)

# --- planning --------------------------------------------------------------------------------


async def test_plan_one_session_answers_utc_offset_and_local_time(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    response = await plan(scheduling, facilitator(auth, group), group, description="Intervisie")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["warnings"] == [] and body["series_id"] is None
    (session,) = body["sessions"]
    assert session["starts_at"] == "2025-01-14T19:00:00+01:00"
    assert session["ends_at"] == "2025-01-14T21:30:00+01:00"
    assert (session["local_start"], session["timezone"]) == (
        "2025-01-14T19:00:00",
        "Europe/Amsterdam",
    )
    assert session["status"] == "planned" and session["sequence"] == 0
    assert session["mode"] == "in_person" and session["location"] == "Utrecht, Oudegracht 1"
    assert session["method_id"] is not None, "the group's default method"
    assert session["facilitator_id"] == str(group.facilitator_id)

    fetched = await scheduling.get(f"/v1/sessions/{session['id']}", headers=auth("admin"))
    assert fetched.json() == session


async def test_a_series_across_dst_keeps_its_local_start(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    response = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2026-01-15T19:00",
        end="2026-01-15T21:30",
        rrule="FREQ=MONTHLY;INTERVAL=3;COUNT=4",
    )
    assert response.status_code == 201, response.text
    sessions = response.json()["sessions"]
    assert [s["local_start"] for s in sessions] == [
        "2026-01-15T19:00:00",
        "2026-04-15T19:00:00",
        "2026-07-15T19:00:00",
        "2026-10-15T19:00:00",
    ]
    assert [s["starts_at"][-6:] for s in sessions] == ["+01:00", "+02:00", "+02:00", "+02:00"]
    assert [s["occurrence"] for s in sessions] == [1, 2, 3, 4]
    assert {s["series_id"] for s in sessions} == {response.json()["series_id"]}
    assert all(s["rrule"] == "FREQ=MONTHLY;INTERVAL=3;COUNT=4" for s in sessions)


async def test_a_weekly_series_over_the_autumn_change_stays_at_nine(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    response = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2026-10-19T09:00",
        end="2026-10-19T11:30",
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    assert response.status_code == 201, response.text
    starts = [s["starts_at"] for s in response.json()["sessions"]]
    assert starts == ["2026-10-19T09:00:00+02:00", "2026-10-26T09:00:00+01:00"]


async def test_series_rules_are_422s_naming_the_rule(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    cases = {
        "FREQ=WEEKLY;COUNT=60": "max_occurrences",
        "FREQ=WEEKLY": "max_occurrences",
        "FREQ=MINUTELY;COUNT=2": "rrule_frequency",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31": "rrule_never_occurs",
        "FREQ=WEEKLY;COUNT=abc": "rrule",
    }
    for rule, broken in cases.items():
        response = await plan(scheduling, auth("admin"), group, rrule=rule)
        assert response.status_code == 422, (rule, response.text)
        assert broken_rules(response) == [broken], rule
        assert rule.split(";")[0] in response.text or broken in response.text


async def test_times_are_checked(scheduling: httpx.AsyncClient, auth: Token) -> None:
    group = await make_group(scheduling, auth)
    cases = [
        ("2025-01-14T19:00", "2025-01-14T18:00", "end_after_start"),
        ("2025-01-14T19:00", "2025-01-15T19:00", "max_duration"),
        ("2025-02-30T19:00", "2025-03-01T19:00", "date_time"),
        ("2026-03-29T02:30", "2026-03-29T04:00", "nonexistent_local_time"),
    ]
    for start, end, broken in cases:
        response = await plan(scheduling, auth("admin"), group, start=start, end=end)
        assert response.status_code == 422, response.text
        assert broken_rules(response) == [broken]
    malformed = await plan(scheduling, auth("admin"), group, start="14-01-2025 19:00")
    assert malformed.status_code == 400
    assert broken_rules(malformed) == ["pattern"]


async def test_the_mode_asks_for_location_or_video_link(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, mode="online", location=None)
    response = await plan(scheduling, auth("admin"), group)
    assert response.status_code == 422
    assert broken_rules(response) == ["video_link_required"]
    response = await plan(scheduling, auth("admin"), group, mode="hybrid")
    assert broken_rules(response) == ["location_required", "video_link_required"]
    ok = await plan_one(
        scheduling,
        auth("admin"),
        group,
        video_link="https://meet.example.nl/kring",
        start="2025-02-01T10:00",
        end="2025-02-01T12:00",
    )
    assert ok["mode"] == "online" and ok["location"] is None


async def test_online_over_two_hours_is_a_warning_not_an_error(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    response = await plan(
        scheduling, auth("admin"), group, mode="online", video_link="https://meet.example.nl/k"
    )
    assert response.status_code == 201, response.text
    (session,) = response.json()["sessions"]
    assert response.json()["warnings"] == [
        {
            "rule": "online_max_duration",
            "message": "an online session should last at most 2 hours, with a break",
            "field": "body.end",
            "session_id": session["id"],
        }
    ]


async def test_unknown_group_and_method_are_404s_naming_the_field(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    ghost = Group(id=uuid.uuid4(), facilitator_id=uuid.uuid4(), member_ids=[])
    response = await plan(scheduling, auth("admin"), ghost)
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.group_id"
    response = await plan(scheduling, auth("admin"), group, method_id=str(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.method_id"


async def test_a_method_is_the_catalogues_or_the_tenants_own(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    group = await make_group(scheduling, auth, members=0)
    method = {"key": "eigen-methode", "name": "Eigen methode", "minutes": 60, "steps": ["Casus"]}
    elsewhere = await scheduling.post("/v1/methods", json=method, headers=token_for(uuid.uuid4()))
    own = await scheduling.post("/v1/methods", json=method, headers=auth("admin"))
    assert (elsewhere.status_code, own.status_code) == (201, 201)

    refused = await plan(scheduling, auth("admin"), group, method_id=elsewhere.json()["id"])
    assert refused.status_code == 404
    assert refused.json()["errors"][0] == {
        "field": "body.method_id",
        "rule": "exists",
        "message": "no such method",
    }
    session = await plan_one(scheduling, auth("admin"), group, method_id=own.json()["id"])
    assert session["method_id"] == own.json()["id"]


async def test_only_the_groups_facilitator_plans(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    other = await make_group(scheduling, auth)
    assert (await plan(scheduling, facilitator(auth, other), group)).status_code == 404
    assert (
        await plan(scheduling, participant(auth, group.member_ids[0]), group)
    ).status_code == 403


async def _sharing_a_member(
    scheduling: httpx.AsyncClient, auth: Token
) -> tuple[uuid.UUID, Group, dict]:
    """Two groups sharing a member: the member, the second group, the first's session."""
    first_group = await make_group(scheduling, auth)
    shared = first_group.member_ids[0]
    second_group = await make_group(scheduling, auth, member_ids=[shared])
    return shared, second_group, await plan_one(scheduling, auth("admin"), first_group)


async def test_a_member_booked_twice_is_a_409_naming_the_other_session(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    shared, second_group, first = await _sharing_a_member(scheduling, auth)

    response = await plan(
        scheduling,
        auth("admin"),
        second_group,
        start="2024-12-17T20:00",
        end="2024-12-17T21:00",
        rrule="FREQ=WEEKLY;COUNT=5",  # the fifth occurrence, 14 January 20:00, overlaps
    )
    assert response.status_code == 409, response.text
    assert broken_rules(response) == ["double_booking"]
    extra = response.json()["extra"]
    assert extra == {
        "session_id": first["id"],
        "person_id": str(shared),
        "starts_at": "2025-01-14T19:00:00+01:00",
        "ends_at": "2025-01-14T21:30:00+01:00",
        "occurrence": 5,
    }

    # Back to back is no overlap.
    after = await plan(
        scheduling, auth("admin"), second_group, start="2025-01-14T21:30", end="2025-01-14T23:00"
    )
    assert after.status_code == 201, after.text


async def test_a_facilitator_is_told_when_another_group_s_session_clashes_not_which(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    shared, second_group, first = await _sharing_a_member(scheduling, auth)
    attempt = {"start": "2025-01-14T20:00", "end": "2025-01-14T21:00"}

    refused = await plan(scheduling, facilitator(auth, second_group), second_group, **attempt)

    assert refused.status_code == 409, refused.text
    assert broken_rules(refused) == ["double_booking"]
    problem = refused.json()
    assert problem["extra"] == {
        "person_id": str(shared),
        "starts_at": "2025-01-14T19:00:00+01:00",
        "ends_at": "2025-01-14T21:30:00+01:00",
        "occurrence": 1,
    }
    assert first["id"] not in refused.text
    assert "2025-01-14 19:00 to 21:30" in problem["errors"][0]["message"]
    # The session it may not read stays unreadable; an admin is told which it is.
    hidden = await scheduling.get(
        f"/v1/sessions/{first['id']}", headers=facilitator(auth, second_group)
    )
    assert hidden.status_code == 404
    admin = await plan(scheduling, auth("admin"), second_group, **attempt)
    assert admin.status_code == 409 and admin.json()["extra"]["session_id"] == first["id"]
    # Moving its own session into the clash: the same answer.
    own = await plan_one(
        scheduling, auth("admin"), second_group, start="2025-02-14T19:00", end="2025-02-14T20:00"
    )
    moved = await scheduling.post(
        f"/v1/sessions/{own['id']}/reschedule",
        json={**attempt, "reason": "Zaal"},
        headers=facilitator(auth, second_group),
    )
    assert moved.status_code == 409 and "session_id" not in moved.json()["extra"]
    assert first["id"] not in moved.text


async def test_a_facilitator_booked_twice_is_a_409(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    other = await make_group(scheduling, auth, facilitator_id=group.facilitator_id)
    first = await plan_one(scheduling, auth("admin"), group)
    response = await plan(scheduling, auth("admin"), other, start="2025-01-14T18:00")
    assert response.status_code == 409
    assert response.json()["extra"]["session_id"] == first["id"]
    assert response.json()["extra"]["person_id"] == str(group.facilitator_id)


async def test_a_series_overlapping_itself_is_refused(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    response = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2025-01-14T09:00",
        end="2025-01-14T20:00",
        rrule="FREQ=DAILY;COUNT=3",
    )
    assert response.status_code == 201, "a day apart: no overlap"
    response = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2025-03-01T00:00",
        end="2025-03-01T11:00",
        rrule="FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1,2;COUNT=2",
    )
    assert response.status_code == 201, response.text


# --- reschedule and cancel -------------------------------------------------------------------


async def test_reschedule_needs_a_reason_bumps_sequence_and_keeps_history(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    session = await plan_one(scheduling, auth("admin"), group)
    url = f"/v1/sessions/{session['id']}/reschedule"
    headers = facilitator(auth, group)
    moved_to = {"start": "2025-01-21T19:00", "end": "2025-01-21T21:30"}

    missing = await scheduling.post(url, json=moved_to, headers=headers)
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"][0]["message"]
    assert broken_rules(missing) == ["required"]
    blank = await scheduling.post(url, json={**moved_to, "reason": " "}, headers=headers)
    assert blank.status_code == 400 and broken_rules(blank) == ["pattern"]

    moved = await scheduling.post(url, json={**moved_to, "reason": "Ziekte"}, headers=headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["session"]["local_start"] == "2025-01-21T19:00:00"
    assert moved.json()["session"]["sequence"] == 1

    history = (
        await scheduling.get(f"/v1/sessions/{session['id']}/changes", headers=headers)
    ).json()["items"]
    assert [(h["kind"], h["reason"], h["sequence"]) for h in history] == [
        ("rescheduled", "Ziekte", 1)
    ]
    assert history[0]["previous_starts_at"] == "2025-01-14T19:00:00+01:00"
    assert history[0]["starts_at"] == "2025-01-21T19:00:00+01:00"


async def test_reschedule_into_an_overlap_is_a_409(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    first = await plan_one(scheduling, auth("admin"), group)
    second = await plan_one(
        scheduling, auth("admin"), group, start="2025-01-21T19:00", end="2025-01-21T21:30"
    )
    response = await scheduling.post(
        f"/v1/sessions/{second['id']}/reschedule",
        json={"start": "2025-01-14T20:00", "end": "2025-01-14T22:00", "reason": "Zaal"},
        headers=auth("admin"),
    )
    assert response.status_code == 409
    assert broken_rules(response) == ["double_booking"]
    assert response.json()["extra"]["session_id"] == first["id"]
    # Moving a session within its own slot overlaps only itself.
    same = await scheduling.post(
        f"/v1/sessions/{first['id']}/reschedule",
        json={"start": "2025-01-14T19:30", "end": "2025-01-14T21:30", "reason": "Later"},
        headers=auth("admin"),
    )
    assert same.status_code == 200, same.text


async def test_cancel_needs_a_reason_and_frees_the_slot(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    session = await plan_one(scheduling, auth("admin"), group)
    url = f"/v1/sessions/{session['id']}/cancel"
    assert broken_rules(await scheduling.post(url, json={}, headers=auth("admin"))) == ["required"]

    cancelled = await scheduling.post(
        url, json={"reason": "Te weinig aanmeldingen"}, headers=auth("admin")
    )
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["cancel_reason"], body["sequence"]) == (
        "cancelled",
        "Te weinig aanmeldingen",
        1,
    )
    again = await scheduling.post(url, json={"reason": "nogmaals"}, headers=auth("admin"))
    assert again.status_code == 409
    assert broken_rules(again) == ["session_cancelled"]
    moved = await scheduling.post(
        f"/v1/sessions/{session['id']}/reschedule",
        json={"start": "2025-01-21T19:00", "end": "2025-01-21T21:30", "reason": "x"},
        headers=auth("admin"),
    )
    assert moved.status_code == 409 and broken_rules(moved) == ["session_cancelled"]

    history = (
        await scheduling.get(f"/v1/sessions/{session['id']}/changes", headers=auth("admin"))
    ).json()
    assert [h["kind"] for h in history["items"]] == ["cancelled"]
    assert (await plan(scheduling, auth("admin"), group)).status_code == 201, "the slot is free"


async def test_another_facilitator_may_not_move_or_cancel(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    other = await make_group(scheduling, auth)
    session = await plan_one(scheduling, auth("admin"), group)
    response = await scheduling.post(
        f"/v1/sessions/{session['id']}/cancel",
        json={"reason": "x"},
        headers=facilitator(auth, other),
    )
    assert response.status_code == 404  # another facilitator's session: as if none (ADR 0080)


async def test_a_session_with_recorded_attendance_does_not_move(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=1)
    session = await plan_one(scheduling, auth("admin"), group)
    await record(scheduling, auth("admin"), session, group.member_ids[0], "excused")
    moved = await scheduling.post(
        f"/v1/sessions/{session['id']}/reschedule",
        json={"start": "2025-01-15T19:00", "end": "2025-01-15T21:00", "reason": "Zaal"},
        headers=auth("admin"),
    )
    assert moved.status_code == 409 and broken_rules(moved) == ["attendance_recorded"]


# --- reading and lists -----------------------------------------------------------------------


async def test_lists_filter_by_group_person_period_and_status(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    a = await make_group(scheduling, auth)
    b = await make_group(scheduling, auth)
    series = await plan(
        scheduling,
        auth("admin"),
        a,
        start="2025-01-06T19:00",
        end="2025-01-06T21:00",
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    a_ids = [s["id"] for s in series.json()["sessions"]]
    b_one = await plan_one(
        scheduling, auth("admin"), b, start="2025-03-01T10:00", end="2025-03-01T12:00"
    )
    await scheduling.post(
        f"/v1/sessions/{a_ids[1]}/cancel", json={"reason": "x"}, headers=auth("admin")
    )

    async def ids(**params: str) -> list[str]:
        response = await scheduling.get("/v1/sessions", params=params, headers=auth("admin"))
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert await ids() == [*a_ids, b_one["id"]]
    assert await ids(group_id=str(b.id)) == [b_one["id"]]
    assert await ids(person_id=str(b.member_ids[0])) == [b_one["id"]]
    assert await ids(person_id=str(a.facilitator_id)) == a_ids
    assert await ids(**{"from": "2025-01-13", "to": "2025-01-20"}) == a_ids[1:3]
    assert await ids(status="cancelled") == [a_ids[1]]
    assert await ids(status="planned", group_id=str(a.id)) == [a_ids[0], *a_ids[2:]]

    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await scheduling.get("/v1/sessions", params=params, headers=auth("admin"))).json()
        walked += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [*a_ids, b_one["id"]]

    unknown = await scheduling.get("/v1/sessions", params={"colour": "red"}, headers=auth("admin"))
    assert unknown.status_code == 400


async def test_lists_run_in_start_order_whatever_the_planning_order(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    # Planned first: 26 May. Then a fortnightly series: 5 May, 19 May, 2 June.
    between = await plan_one(
        scheduling, auth("admin"), group, start="2025-05-26T19:00", end="2025-05-26T21:00"
    )
    series = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2025-05-05T19:00",
        end="2025-05-05T21:00",
        rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=3",
    )
    assert series.status_code == 201, series.text
    first, second, third = (s["id"] for s in series.json()["sessions"])

    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", "group_id": str(group.id), **({"cursor": cursor} if cursor else {})}
        page = (await scheduling.get("/v1/sessions", params=params, headers=auth("admin"))).json()
        walked += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [first, second, between["id"], third]


async def test_a_participant_sees_only_their_own_sessions(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    a = await make_group(scheduling, auth)
    b = await make_group(scheduling, auth)
    mine = await plan_one(scheduling, auth("admin"), a)
    theirs = await plan_one(scheduling, auth("admin"), b)
    me = participant(auth, a.member_ids[0])

    listed = await scheduling.get(
        "/v1/sessions", params={"person_id": str(b.member_ids[0])}, headers=me
    )
    assert [s["id"] for s in listed.json()["items"]] == [mine["id"]]
    assert (await scheduling.get(f"/v1/sessions/{mine['id']}", headers=me)).status_code == 200
    assert (await scheduling.get(f"/v1/sessions/{theirs['id']}", headers=me)).status_code == 404
    other_tenant = token_for(uuid.uuid4(), "admin")
    assert (
        await scheduling.get(f"/v1/sessions/{mine['id']}", headers=other_tenant)
    ).status_code == 404
    assert (
        await scheduling.get(f"/v1/sessions/{uuid.uuid4()}", headers=auth("admin"))
    ).status_code == 404


async def test_two_overlapping_plans_at_once_book_only_one(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    first_group = await make_group(scheduling, auth, members=1)
    second_group = await make_group(scheduling, auth, member_ids=first_group.member_ids, members=0)
    for _ in range(3):
        answers = await asyncio.gather(
            plan(
                scheduling,
                auth("admin"),
                first_group,
                start="2025-05-01T19:00",
                end="2025-05-01T21:00",
            ),
            plan(
                scheduling,
                auth("admin"),
                second_group,
                start="2025-05-01T19:00",
                end="2025-05-01T21:00",
            ),
        )
        assert sorted(a.status_code for a in answers) == [201, 409]
        (booked,) = [a.json()["sessions"][0] for a in answers if a.status_code == 201]
        await scheduling.post(
            f"/v1/sessions/{booked['id']}/cancel", json={"reason": "opnieuw"}, headers=auth("admin")
        )


async def test_a_facilitator_sees_only_the_sessions_of_their_groups(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """The group's rule holds for its sessions: a facilitator of another group reads none of
    them (404) and lists only their own, whatever person they ask for; changing one is a 403,
    as changing the group is."""
    mine = await make_group(scheduling, auth)
    theirs = await make_group(scheduling, auth)
    own = await plan_one(scheduling, auth("admin"), mine)
    other = await plan_one(scheduling, auth("admin"), theirs)
    me = facilitator(auth, mine)

    for path in ("", "/changes", "/proof"):
        assert (
            await scheduling.get(f"/v1/sessions/{other['id']}{path}", headers=me)
        ).status_code == 404, path
        assert (
            await scheduling.get(f"/v1/sessions/{own['id']}{path}", headers=me)
        ).status_code == 200, path
    signed = await scheduling.post(f"/v1/sessions/{other['id']}/signatures", headers=me)
    assert signed.status_code == 404
    for params in ({}, {"person_id": str(theirs.facilitator_id)}):
        listed = await scheduling.get("/v1/sessions", params=params, headers=me)
        assert [s["id"] for s in listed.json()["items"]] == [own["id"]], params
    cancelled = await scheduling.post(
        f"/v1/sessions/{other['id']}/cancel", json={"reason": "x"}, headers=me
    )
    assert cancelled.status_code == 404
    everyone = await scheduling.get("/v1/sessions", headers=auth("admin"))
    assert [s["id"] for s in everyone.json()["items"]] == [own["id"], other["id"]]
