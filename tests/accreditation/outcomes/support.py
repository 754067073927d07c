"""Scheduling's events as accreditation receives them, signed, for the outcomes' tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from services.kit import webhooks
from tests.conftest import Token

SECRET = webhooks.new_secret()


def member(*registrations: dict[str, Any], name: str = "Anna de Vries") -> dict[str, Any]:
    return {
        "person_id": str(uuid.uuid4()),
        "name": name,
        "status": "present",
        "arrived_at": None,
        "departed_at": None,
        "registrations": list(registrations),
    }


def event(org: uuid.UUID, type_: str, aggregate: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "timestamp": datetime.now(UTC).isoformat(),
        "org_id": str(org),
        "aggregate_id": aggregate,
        "correlation_id": None,
        "data": data,
    }


def closed(
    org: uuid.UUID, *attendees: dict[str, Any], recognitions: list[str], day: date
) -> dict[str, Any]:
    """`session.closed`, 13:00 to 15:30 UTC on ``day``, led by a facilitator recognised by
    ``recognitions``."""
    session_id = str(uuid.uuid4())
    start = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    return event(
        org,
        "session.closed",
        session_id,
        {
            "session_id": session_id,
            "date": day.isoformat(),
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=150)).isoformat(),
            "mode": "in_person",
            "method": "Incidentmethode",
            "group_size": 6,
            "facilitator": {
                "person_id": str(uuid.uuid4()),
                "name": "Bram Jansen",
                "recognitions": [
                    {"register": r, "role": None, "number": None} for r in recognitions
                ],
            },
            "attendees": list(attendees),
        },
    )


def person_updated(
    org: uuid.UUID, person: dict[str, Any], *registrations: dict[str, Any]
) -> dict[str, Any]:
    data = {
        "person_id": person["person_id"],
        "name": person["name"],
        "registrations": list(registrations),
    }
    return event(org, "person.updated", person["person_id"], data)


async def deliver(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    headers = webhooks.headers(SECRET, message_id=body["id"], body=raw)
    response = await client.post("/internal/events", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    outcome: dict[str, Any] = response.json()
    return outcome


async def items(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


async def feed(client: httpx.AsyncClient, auth: Token, *, expect: int) -> list[dict[str, Any]]:
    """The event feed, waiting (up to 30 s) for ``expect`` events: it holds back events while an
    older transaction in the cluster is still in flight."""
    for _ in range(600):
        found = await items(client, "/v1/events", auth("admin"))
        if len(found) >= expect:
            return found
        await asyncio.sleep(0.05)
    return found
