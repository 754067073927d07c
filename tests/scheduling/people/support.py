"""Helpers the tests of people share."""

from __future__ import annotations

import httpx

from tests.conftest import Token


async def put_organisation(
    client: httpx.AsyncClient, auth: Token, external_id: str = "gem-utrecht"
) -> dict:
    response = await client.put(
        f"/v1/client-organisations/by-external-id/{external_id}",
        json={"name": "Gemeente Utrecht", "kvk_number": "12345678"},
        headers=auth("admin"),
    )
    assert response.status_code in (200, 201), response.text
    return response.json()
