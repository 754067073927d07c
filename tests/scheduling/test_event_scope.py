"""Scheduling's event feed as each reader sees it (ADR 0063): an HR client only its client
organisation's people, a service what another service consumes, an admin everything."""

from __future__ import annotations

import uuid

import httpx
import msgspec

from services.scheduling.event_scope import FOR_EMPLOYER
from services.scheduling.webhooks import WEBHOOKS
from tests.conftest import Token
from tests.scheduling.sessions.support import events
from tests.scheduling.support import read_all, two_employers

EVERY_TYPE = {
    "session.scheduled",
    "session.rescheduled",
    "session.closed",
    "session.cancelled",
    "session.signed_off",
    "attendance.confirmed",
    "person.updated",
    "group.member_added",
    "group.member_left",
}


async def test_an_hr_client_sees_only_its_own_people(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    a, b, anna, bob = await two_employers(scheduling, auth)
    everything, _ = await events(scheduling, auth, expect=13, hide=frozenset())
    assert {e["type"] for e in everything} == EVERY_TYPE
    assert bob["id"] in msgspec.json.encode(everything).decode()

    for own, mine, other, theirs in ((a, anna, b, bob), (b, bob, a, anna)):
        seen = await read_all(scheduling, auth("hr", client_org=own["id"]), limit=2)
        text = msgspec.json.encode(seen).decode()
        assert theirs["id"] not in text and other["id"] not in text, seen
        by_type = {e["type"]: e["data"] for e in seen}
        assert set(by_type) == EVERY_TYPE - ({"group.member_left"} if mine is anna else set())
        closed = by_type["session.closed"]
        assert [x["person_id"] for x in closed["attendees"]] == [mine["id"]]
        assert closed["member_ids"] == [mine["id"]]
        assert closed["group_size"] == 2, "counts stay: they name nobody"
        for moved in ("session.scheduled", "session.rescheduled", "session.cancelled"):
            assert by_type[moved]["members"] == [
                {"person_id": mine["id"], "employer_id": own["id"]}
            ]
        signed = by_type["session.signed_off"]
        assert signed["attendees"] == [
            {"person_id": mine["id"], "employer_id": own["id"], "status": "present"}
        ]
        assert signed["signed_at"] and signed["session_id"] == closed["session_id"]
        for about in ("person.updated", "attendance.confirmed"):
            assert by_type[about]["person_id"] == mine["id"]

    assert await read_all(scheduling, auth("hr"), limit=10) == [], "no client_org: nothing"


async def test_a_service_reads_what_accreditation_and_invoicing_consume(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    await two_employers(scheduling, auth)
    everything, _ = await events(scheduling, auth, expect=13, hide=frozenset())
    seen = await read_all(scheduling, auth("service"), limit=100)
    assert {e["type"] for e in seen} == {
        "session.closed",
        "session.cancelled",
        "person.updated",
        "attendance.confirmed",
    }
    whole = {e["id"]: e for e in everything}
    assert all(e == whole[e["id"]] for e in seen), "a service reads the snapshots whole"
    admin = await read_all(scheduling, auth("admin"), limit=3)
    assert admin == everything


def test_every_event_about_people_has_its_hr_view() -> None:
    """A type missing from ``FOR_EMPLOYER`` is hidden from HR clients: today every scheduling
    event is about people, so each has its view; but for ``subject.erased`` (scheduling's own
    part of an erasure, ids only), of which HR reads the whole request's ``person.erased``.
    The kit's types (``subscription.disabled``, ``retention.applied``) are not in this
    catalogue: they are the organisation's operations, and no HR client reads them."""
    assert set(FOR_EMPLOYER) == set(WEBHOOKS) - {"subject.erased"}


def test_an_amendment_shows_only_when_it_amends_the_readers_people() -> None:
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    snapshot = {
        "attendees": [
            {"person_id": "anna", "employer_id": mine},
            {"person_id": "bob", "employer_id": theirs},
        ],
        "member_ids": ["anna", "bob"],
        "group_size": 2,
    }
    view = FOR_EMPLOYER["attendance.amended"]
    assert view({**snapshot, "person_id": "bob"}, mine) is None
    assert view({**snapshot, "person_id": "anna"}, mine) == {
        "attendees": [{"person_id": "anna", "employer_id": mine}],
        "member_ids": ["anna"],
        "group_size": 2,
        "person_id": "anna",
    }
