"""Helpers the scheduling tests of several domains share: a person, a facilitator and a group
made through the API, the rules a problem names, and the event feed as one reader reads it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import record
from tests.scheduling.people.support import put_organisation
from tests.scheduling.sessions import support as sessions

AGREEMENT = {
    "ground_rules": "We start on time.\nWe listen first.",
    "confidentiality": "What is said stays here.",
}


async def person(client: httpx.AsyncClient, auth: Token, external_id: str, **fields: Any) -> dict:
    body = {"given_name": external_id.title(), "family_name": "Tester", **fields}
    response = await client.put(
        f"/v1/people/by-external-id/{external_id}", json=body, headers=auth()
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def facilitator(client: httpx.AsyncClient, auth: Token, external_id: str = "fac") -> dict:
    p = await person(client, auth, external_id)
    response = await client.put(
        f"/v1/facilitators/{p['id']}",
        json={"recognitions": [{"register": "LVSC", "role": "supervisor", "number": "S-1"}]},
        headers=auth(),
    )
    assert response.status_code == 201, response.text
    return p


async def group(client: httpx.AsyncClient, auth: Token, **fields: Any) -> dict:
    fac = fields.pop("facilitator", None) or await facilitator(client, auth)
    body = {
        "name": "Jeugdteam Noord",
        "facilitator_id": fac["id"],
        "mode": "in_person",
        "location": "Stadhuis, Utrecht",
        "agreement": AGREEMENT,
        **fields,
    }
    response = await client.post("/v1/groups", json=body, headers=auth())
    assert response.status_code == 201, response.text
    return response.json()


def rules_of(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [error["rule"] for error in response.json()["errors"]]


async def read_all(
    client: httpx.AsyncClient, headers: dict[str, str], *, limit: int
) -> list[dict[str, Any]]:
    """Every event the reader sees, page by page, until `next_cursor` comes back unchanged."""
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = await client.get("/v1/events", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        if page["next_cursor"] == params.get("cursor"):
            return seen
        params["cursor"] = page["next_cursor"]


async def two_employers(client: httpx.AsyncClient, auth: Token) -> tuple[dict, dict, dict, dict]:
    """Organisations A and B, Anna employed by A and Bob by B, in one group: one session
    closed and confirmed by both, one rescheduled and cancelled; then both are updated and
    Bob leaves. Thirteen events with the two joins and the facilitator's sign-off (closing
    signs): every type of a group's year but ``attendance.amended``."""
    a = await put_organisation(client, auth, "org-a")
    b = await put_organisation(client, auth, "org-b")
    anna = await person(client, auth, "anna", employer_id=a["id"])
    bob = await person(client, auth, "bob", employer_id=b["id"])
    group = await sessions.make_group(
        client, auth, members=0, member_ids=[uuid.UUID(anna["id"]), uuid.UUID(bob["id"])]
    )
    closing = await sessions.plan_one(client, auth("admin"), group)
    for member in group.member_ids:
        assert (await record(client, auth("admin"), closing, member)).status_code == 200
    path = f"/v1/sessions/{closing['id']}"
    closed = await client.post(path + "/close", json={}, headers=sessions.facilitator(auth, group))
    assert closed.status_code == 200, closed.text
    for member in group.member_ids:
        me = sessions.participant(auth, member)
        assert (await client.post(path + "/signatures", headers=me)).status_code == 200
    moving = await sessions.plan_one(
        client, auth("admin"), group, start="2025-03-11T19:00", end="2025-03-11T21:00"
    )
    path = f"/v1/sessions/{moving['id']}"
    moved = {"start": "2025-03-18T19:00", "end": "2025-03-18T21:00", "reason": "Zaal bezet"}
    for step, body in (("/reschedule", moved), ("/cancel", {"reason": "Ziek"})):
        response = await client.post(path + step, json=body, headers=auth("admin"))
        assert response.status_code == 200, response.text
    for who, employer in ((anna, a), (bob, b)):
        await person(
            client, auth, who["external_id"], family_name="Nieuw", employer_id=employer["id"]
        )
    left = await client.post(
        f"/v1/groups/{group.id}/members/{bob['id']}/leave", headers=auth("admin")
    )
    assert left.status_code == 200, left.text
    return a, b, anna, bob
