"""Helpers of the billing relations tests: links, choices and participants nobody pays for yet."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def organisation_path(client_organisation_id: uuid.UUID | str) -> str:
    return f"/v1/debtors/for-client-organisation/{client_organisation_id}"


def person_path(person_id: uuid.UUID | str) -> str:
    return f"/v1/debtors/for-person/{person_id}"


def employed(count: int, employer: uuid.UUID | None) -> list[dict[str, Any]]:
    """Participants with no debtor given: their billing relations decide."""
    return [
        {
            "person_id": str(uuid.uuid4()),
            "name": f"Deelnemer {n + 1}",
            "client_organisation_id": None if employer is None else str(employer),
        }
        for n in range(count)
    ]


async def link(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    client_organisation_id: uuid.UUID,
    debtor: dict[str, Any],
    *,
    status: int = 201,
) -> dict[str, Any]:
    response = await client.put(
        organisation_path(client_organisation_id), json=debtor, headers=headers
    )
    assert response.status_code == status, response.text
    written: dict[str, Any] = response.json()
    return written


async def choose(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    person_id: uuid.UUID | str,
    choice: dict[str, Any],
    *,
    status: int = 201,
) -> dict[str, Any]:
    response = await client.put(person_path(person_id), json=choice, headers=headers)
    assert response.status_code == status, response.text
    written: dict[str, Any] = response.json()
    return written


async def listed(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    response = await client.get("/v1/invoices", params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
