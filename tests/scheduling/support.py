"""Helpers the scheduling tests of several domains share: a person, a facilitator and a group
made through the API, and the rules a problem names."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Token

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
