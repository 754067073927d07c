"""``person.updated``: written with the upsert that changed a stored person, single or batch;
never for a new person nor for a re-sync that changes nothing.

Absence is shown with a sentinel: after the write that must announce nothing, a write that does
announce; the feed, in commit order, then holds the sentinel's event and nothing before it.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import events

SKJ = {"register": "SKJ", "number": "110012345"}


def anna(**fields: Any) -> dict[str, Any]:
    return {"given_name": "Anna", "family_name": "de Vries", "registrations": [SKJ], **fields}


async def put(client: httpx.AsyncClient, auth: Token, external_id: str, body: dict) -> dict:
    response = await client.put(
        f"/v1/people/by-external-id/{external_id}", json=body, headers=auth("admin")
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def batch(client: httpx.AsyncClient, auth: Token, *items: dict[str, Any]) -> list[str]:
    response = await client.post(
        "/v1/people/batch", json={"items": list(items)}, headers=auth("admin")
    )
    assert response.status_code == 200, response.text
    return [item["outcome"] for item in response.json()["items"]]


def updates(items: list[dict]) -> list[dict]:
    return [e for e in items if e["type"] == "person.updated"]


async def test_a_registration_date_sent_later_announces_the_person(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    created = await put(scheduling, auth, "hr-anna", anna())
    dated = {**SKJ, "registered_on": "2021-06-01"}
    await put(scheduling, auth, "hr-anna", anna(registrations=[dated]))

    items, _ = await events(scheduling, auth)
    assert [e["type"] for e in items] == ["person.updated"]
    assert items[0]["aggregate_id"] == created["id"]
    assert items[0]["data"] == {
        "person_id": created["id"],
        "name": "Anna de Vries",
        "employer_id": None,
        "registrations": [dated],
    }


async def test_a_re_sync_that_changes_nothing_announces_nothing(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    await put(scheduling, auth, "hr-anna", anna())
    await put(scheduling, auth, "hr-anna", anna())
    await put(scheduling, auth, "hr-anna", anna(family_name="Jansen"))  # the sentinel

    items, _ = await events(scheduling, auth)
    assert [(e["type"], e["data"]["name"]) for e in items] == [("person.updated", "Anna Jansen")]


async def test_each_change_is_announced_with_the_person_as_now_stored(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    await put(scheduling, auth, "hr-anna", anna())
    nip = {"register": "NIP", "number": "00123456", "registered_on": None}
    await put(scheduling, auth, "hr-anna", anna(registrations=[SKJ, nip]))
    await put(scheduling, auth, "hr-anna", anna(registrations=[nip]))
    await put(scheduling, auth, "hr-anna", anna(registrations=[nip], email="anna@example.nl"))

    items, _ = await events(scheduling, auth, expect=3)
    skj = {**SKJ, "registered_on": None}
    assert [e["data"]["registrations"] for e in updates(items)] == [[nip, skj], [nip], [nip]]


async def test_a_batch_announces_each_person_it_changed(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    def item(external_id: str, **fields: Any) -> dict[str, Any]:
        return {"external_id": external_id, **anna(family_name=external_id), **fields}

    await batch(scheduling, auth, item("b-1"), item("b-2"), item("b-3"))
    dated = [{**SKJ, "registered_on": "2020-01-01"}]
    outcomes = await batch(
        scheduling,
        auth,
        item("b-1"),
        item("b-2", registrations=dated),
        item("b-3", given_name="Bea"),
        item("b-4"),
    )
    assert outcomes == ["unchanged", "updated", "updated", "created"]
    await put(scheduling, auth, "b-1", anna(family_name="sentinel"))

    items, _ = await events(scheduling, auth, expect=3)
    stored = {
        p["external_id"]: p["id"]
        for p in (await scheduling.get("/v1/people", headers=auth("admin"))).json()["items"]
    }
    assert [(e["aggregate_id"], e["data"]["name"]) for e in updates(items)] == [
        (stored["b-2"], "Anna b-2"),
        (stored["b-3"], "Bea b-3"),
        (stored["b-1"], "Anna sentinel"),
    ]
    assert updates(items)[0]["data"]["registrations"] == dated
    assert len(items) == 3


async def test_the_name_is_the_one_session_closed_gives_the_attendee(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, _ = await closed_session(scheduling, auth)
    member = (await scheduling.get(f"/v1/people/{group.member_ids[0]}", headers=auth())).json()
    body = {"given_name": member["given_name"], "family_name": member["family_name"]}
    await put(scheduling, auth, member["external_id"], {**body, "registrations": [SKJ]})

    # session.scheduled, session.closed, session.signed_off, then the update
    items, _ = await events(scheduling, auth, expect=4)
    (closed,) = [e for e in items if e["type"] == "session.closed"]
    (updated,) = updates(items)
    (attendee,) = [a for a in closed["data"]["attendees"] if a["person_id"] == member["id"]]
    assert updated["data"]["name"] == attendee["name"]
    assert updated["data"]["registrations"] == [{**SKJ, "registered_on": None}]
