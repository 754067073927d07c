"""Scheduling's part of a person's rights, through its HTTP API on the real database: what it
holds about them, and their pseudonymisation (ADR 0094)."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import participant, plan_one

NAME = {"given_name": "Quirijn", "family_name": "Vandersloot"}


async def named_member(scheduling: httpx.AsyncClient, auth: Token) -> tuple[str, dict]:
    """A closed session's first member, renamed (and so announced) with a name to look for."""
    group, session = await closed_session(scheduling, auth)
    person_id = str(group.member_ids[0])
    stored = (await scheduling.get(f"/v1/people/{person_id}", headers=auth())).json()
    body = {
        **NAME,
        "email": "quirijn@example.nl",
        "registrations": [{"register": "SKJ", "number": "110012345"}],
    }
    renamed = await scheduling.put(
        f"/v1/people/by-external-id/{stored['external_id']}", json=body, headers=auth()
    )
    assert renamed.status_code == 200, renamed.text
    return person_id, session


async def test_the_export_holds_the_person_s_records_kind_by_kind(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    person_id, session = await named_member(scheduling, auth)
    answer = await scheduling.get(f"/v1/subjects/{person_id}/export", headers=auth())
    assert answer.status_code == 200, answer.text
    export = answer.json()
    assert (export["service"], export["person_id"], export["documents"]) == (
        "scheduling",
        person_id,
        [],
    )
    records = export["records"]
    assert [p["given_name"] for p in records["people"]] == ["Quirijn"]
    assert [r["id"] for r in records["registrations"]] == ["SKJ"]
    assert len(records["memberships"]) == len(records["consents"]) == 1
    assert [a["version"] for a in records["agreements"]] == [1]
    assert [(a["id"], a["status"]) for a in records["attendance"]] == [(session["id"], "present")]
    assert {"session.closed", "person.updated"} <= {e["type"] for e in records["events"]}


async def test_a_participant_exports_only_themselves(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, _ = await closed_session(scheduling, auth)
    me, other = group.member_ids[0], group.member_ids[1]
    mine = await scheduling.get(f"/v1/subjects/{me}/export", headers=participant(auth, me))
    assert mine.status_code == 200, mine.text
    theirs = await scheduling.get(f"/v1/subjects/{other}/export", headers=participant(auth, me))
    assert theirs.status_code == 403
    assert [e["rule"] for e in theirs.json()["errors"]] == ["own_records_only"]
    unknown = await scheduling.get(f"/v1/subjects/{uuid.uuid4()}/export", headers=auth())
    assert unknown.status_code == 404


async def test_erasure_pseudonymises_keeps_attendance_and_redacts_the_events(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    person_id, session = await named_member(scheduling, auth)
    before = await scheduling.get(f"/v1/subjects/{person_id}/erasure", headers=auth())
    assert before.status_code == 404
    first = await scheduling.post(f"/v1/subjects/{person_id}/erasure", headers=auth())
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["held"]) == ("erased", [])
    again = await scheduling.post(f"/v1/subjects/{person_id}/erasure", headers=auth())
    assert (again.status_code, again.json()) == (200, first.json())
    read = await scheduling.get(f"/v1/subjects/{person_id}/erasure", headers=auth())
    assert read.json() == first.json()

    person = (await scheduling.get(f"/v1/people/{person_id}", headers=auth())).json()
    assert (person["given_name"], person["family_name"], person["email"]) == (
        "Erased",
        "person",
        None,
    )
    assert person["registrations"] == [] and person["external_id"] == f"erased-{person_id}"
    export = (await scheduling.get(f"/v1/subjects/{person_id}/export", headers=auth())).json()
    assert [a["id"] for a in export["records"]["attendance"]] == [session["id"]]
    assert export["records"]["people"][0]["erased_at"] is not None
    events = export["records"]["events"]  # the outbox as the feed and the relay serve it
    assert {"session.closed", "person.updated", "subject.erased"} <= {e["type"] for e in events}
    assert "Quirijn" not in str(events) and "Vandersloot" not in str(events)
    assert "110012345" not in str(events)
    (closed,) = [e for e in events if e["type"] == "session.closed"]
    (mine,) = [a for a in closed["data"]["attendees"] if a["person_id"] == person_id]
    assert (mine["name"], mine["registrations"]) == ("Erased person", [])


async def test_erasure_is_the_admin_s(scheduling: httpx.AsyncClient, auth: Token) -> None:
    group, _ = await closed_session(scheduling, auth)
    me = group.member_ids[0]
    refused = await scheduling.post(f"/v1/subjects/{me}/erasure", headers=participant(auth, me))
    assert refused.status_code == 403


async def test_a_registration_number_that_is_a_bsn_is_refused(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {**NAME, "registrations": [{"register": "NVO", "number": "123456782"}]}
    refused = await scheduling.put("/v1/people/by-external-id/bsn-1", json=body, headers=auth())
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.registrations[0].number", "bsn")
    ]
    skj = {**NAME, "registrations": [{"register": "SKJ", "number": "123456782"}]}
    kept = await scheduling.put("/v1/people/by-external-id/skj-1", json=skj, headers=auth())
    assert kept.status_code == 201, "SKJ's numbers are nine digits: each passing one is SKJ's"
    batch = {"items": [{**body, "external_id": "bsn-2"}]}
    refused = await scheduling.post("/v1/people/batch", json=batch, headers=auth())
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.items[0].registrations[0].number", "bsn")
    ]
    person = await scheduling.put("/v1/people/by-external-id/bsn-3", json=NAME, headers=auth())
    recognition = {"register": "LVSC", "role": "supervisor", "number": "123456782"}
    refused = await scheduling.put(
        f"/v1/facilitators/{person.json()['id']}",
        json={"recognitions": [recognition]},
        headers=auth(),
    )
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("body.recognitions[0].number", "bsn")
    ]


async def test_erasure_takes_the_name_out_of_the_session_descriptions(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """A description that names the person (free text an admin or facilitator wrote) names
    the pseudonym after their erasure; one that does not is left as it was."""
    group, _ = await closed_session(scheduling, auth)
    person_id = str(group.member_ids[0])
    stored = (await scheduling.get(f"/v1/people/{person_id}", headers=auth())).json()
    renamed = await scheduling.put(
        f"/v1/people/by-external-id/{stored['external_id']}", json=NAME, headers=auth()
    )
    assert renamed.status_code == 200, renamed.text
    naming = await plan_one(
        scheduling,
        auth(),
        group,
        start="2025-02-11T19:00",
        end="2025-02-11T21:30",
        description="Intervisie, notulist Quirijn Vandersloot",
    )
    other = await plan_one(
        scheduling,
        auth(),
        group,
        start="2025-03-11T19:00",
        end="2025-03-11T21:30",
        description="Intervisie, incidentmethode",
    )

    erased = await scheduling.post(f"/v1/subjects/{person_id}/erasure", headers=auth())
    assert erased.status_code == 201, erased.text

    def description(session: dict) -> str:
        return str(session["description"])

    read = [
        (await scheduling.get(f"/v1/sessions/{s['id']}", headers=auth())).json()
        for s in (naming, other)
    ]
    assert [description(s) for s in read] == [
        "Intervisie, notulist Erased person",
        "Intervisie, incidentmethode",
    ]
