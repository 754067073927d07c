"""iCalendar feeds per person and per group: they parse back and match the sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from icalendar import Calendar

from services.scheduling.sessions import ical
from tests.conftest import Token
from tests.scheduling.sessions.support import facilitator, make_group, participant, plan, plan_one


def _events(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == ical.PRODID
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def test_group_feed_matches_the_sessions_and_their_changes(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, name="Jeugdzorg Noord")
    series = await plan(
        scheduling,
        auth("admin"),
        group,
        start="2026-01-15T19:00",
        end="2026-01-15T21:30",
        rrule="FREQ=MONTHLY;INTERVAL=3;COUNT=4",
    )
    sessions = series.json()["sessions"]
    moved = await scheduling.post(
        f"/v1/sessions/{sessions[1]['id']}/reschedule",
        json={"start": "2026-04-16T19:00", "end": "2026-04-16T21:30", "reason": "Feestdag"},
        headers=auth("admin"),
    )
    assert moved.status_code == 200
    cancelled = await scheduling.post(
        f"/v1/sessions/{sessions[3]['id']}/cancel", json={"reason": "Zomer"}, headers=auth("admin")
    )
    assert cancelled.status_code == 200

    response = await scheduling.get(
        f"/v1/groups/{group.id}/calendar.ics", headers=participant(auth, group.member_ids[0])
    )
    events = _events(response)
    calendar = Calendar.from_ical(response.content)
    (timezone,) = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Amsterdam"
    # A client that knows no Olson names computes the same instants from the VTIMEZONE alone.
    own_rules = timezone.to_tz()
    for session in sessions[::2]:
        event = events[f"{session['id']}@scheduling.kring"]
        wall = event["DTSTART"].dt.replace(tzinfo=None)
        assert wall.replace(tzinfo=own_rules) == datetime.fromisoformat(session["starts_at"])

    assert set(events) == {f"{s['id']}@scheduling.kring" for s in sessions}
    for session in sessions:
        event = events[f"{session['id']}@scheduling.kring"]
        start: datetime = event["DTSTART"].dt
        assert str(start.tzinfo) == "Europe/Amsterdam"
        assert start.hour == 19 and start.minute == 0
        assert event["SUMMARY"] == "Intervisie: Jeugdzorg Noord"
        assert event["LOCATION"] == "Utrecht, Oudegracht 1"
        assert (event["DTEND"].dt - start).total_seconds() == 2.5 * 3600
    first, second, third, fourth = (events[f"{s['id']}@scheduling.kring"] for s in sessions)
    assert first["DTSTART"].dt.isoformat() == "2026-01-15T19:00:00+01:00"
    assert third["DTSTART"].dt.isoformat() == "2026-07-15T19:00:00+02:00"
    assert second["DTSTART"].dt.isoformat() == "2026-04-16T19:00:00+02:00"
    assert (first["SEQUENCE"], second["SEQUENCE"], fourth["SEQUENCE"]) == (0, 1, 1)
    assert (str(first["STATUS"]), str(fourth["STATUS"])) == ("CONFIRMED", "CANCELLED")
    assert b"TZID=Europe/Amsterdam" in response.content

    # The UID is stable: the same feed later names the same events.
    later = await scheduling.get(f"/v1/groups/{group.id}/calendar.ics", headers=auth("admin"))
    assert set(_events(later)) == set(events)


async def test_person_feed_holds_the_sessions_of_each_of_their_groups(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    a = await make_group(scheduling, auth)
    member = a.member_ids[0]
    b = await make_group(scheduling, auth, member_ids=[member], mode="online", location=None)
    c = await make_group(scheduling, auth)
    in_a = await plan_one(scheduling, auth("admin"), a)
    in_b = await plan_one(
        scheduling,
        auth("admin"),
        b,
        start="2025-02-01T10:00",
        end="2025-02-01T12:00",
        video_link="https://meet.example.nl/b",
    )
    await plan_one(scheduling, auth("admin"), c)

    events = _events(
        await scheduling.get(f"/v1/people/{member}/calendar.ics", headers=participant(auth, member))
    )
    assert set(events) == {f"{in_a['id']}@scheduling.kring", f"{in_b['id']}@scheduling.kring"}
    online = events[f"{in_b['id']}@scheduling.kring"]
    assert str(online["URL"]) == "https://meet.example.nl/b"
    assert "LOCATION" not in online

    facilitated = _events(
        await scheduling.get(
            f"/v1/people/{a.facilitator_id}/calendar.ics", headers=facilitator(auth, a)
        )
    )
    assert set(facilitated) == {f"{in_a['id']}@scheduling.kring"}


async def test_feeds_of_others_and_of_nobody_are_404s(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    a = await make_group(scheduling, auth)
    b = await make_group(scheduling, auth)
    me = participant(auth, a.member_ids[0])
    assert (
        await scheduling.get(f"/v1/people/{a.member_ids[1]}/calendar.ics", headers=me)
    ).status_code == 404
    assert (await scheduling.get(f"/v1/groups/{b.id}/calendar.ics", headers=me)).status_code == 404
    for path in (
        f"/v1/people/{uuid.uuid4()}/calendar.ics",
        f"/v1/groups/{uuid.uuid4()}/calendar.ics",
    ):
        response = await scheduling.get(path, headers=auth("admin"))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_empty_feed_is_still_a_calendar(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    assert (
        _events(await scheduling.get(f"/v1/groups/{group.id}/calendar.ics", headers=auth("admin")))
        == {}
    )


async def test_a_facilitator_of_another_group_gets_404_for_its_calendar(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """The group's rule holds for its calendar: a facilitator who does not facilitate the
    group gets a 404 for the group and for its feed, as a stranger does; an admin sees all."""
    mine = await make_group(scheduling, auth)
    theirs = await make_group(scheduling, auth)
    await plan_one(scheduling, auth("admin"), theirs)
    me = facilitator(auth, mine)

    assert (await scheduling.get(f"/v1/groups/{theirs.id}", headers=me)).status_code == 404
    response = await scheduling.get(f"/v1/groups/{theirs.id}/calendar.ics", headers=me)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _events(await scheduling.get(f"/v1/groups/{mine.id}/calendar.ics", headers=me)) == {}
    assert (
        len(
            _events(
                await scheduling.get(f"/v1/groups/{theirs.id}/calendar.ics", headers=auth("admin"))
            )
        )
        == 1
    )


async def test_a_facilitator_reads_their_own_person_feed_only(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """A person's feed is theirs (and an admin's): a facilitator does not read the feed of a
    member or of another facilitator, whose sessions they may not see."""
    mine = await make_group(scheduling, auth)
    theirs = await make_group(scheduling, auth)
    me = facilitator(auth, mine)
    for person in (mine.member_ids[0], theirs.facilitator_id):
        response = await scheduling.get(f"/v1/people/{person}/calendar.ics", headers=me)
        assert response.status_code == 404, person
    own = await scheduling.get(f"/v1/people/{mine.facilitator_id}/calendar.ics", headers=me)
    assert _events(own) == {}
    member = await scheduling.get(
        f"/v1/people/{mine.member_ids[0]}/calendar.ics", headers=auth("admin")
    )
    assert _events(member) == {}
