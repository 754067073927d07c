"""What the flow tests build through the public APIs, and how they wait for the relay."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

AGREEMENT = {"ground_rules": "Op tijd.", "confidentiality": "Alles blijft in de groep."}


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else {}


async def eventually(check: Callable[[], Awaitable[Any]], *, seconds: float = 60) -> Any:
    """``check()`` once it is truthy (the relay delivers in the background)."""
    deadline = time.monotonic() + seconds
    value = await check()
    while not value and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        value = await check()
    return value


async def supervised_group(api: httpx.AsyncClient, name: str) -> str:
    """A group led by Fee, an LVSC-registered supervisor (whom SKJ's rules recognise)."""
    body = {"given_name": "Fee", "family_name": "Begeleider"}
    fac = ok(await api.put("/v1/people/by-external-id/fac", json=body))
    recognition = {"register": "LVSC", "role": "supervisor"}
    ok(await api.put(f"/v1/facilitators/{fac['id']}", json={"recognitions": [recognition]}))
    group = {
        "name": name,
        "facilitator_id": fac["id"],
        "mode": "in_person",
        "location": "Utrecht",
        "agreement": AGREEMENT,
    }
    return str(ok(await api.post("/v1/groups", json=group))["id"])


async def member(api: httpx.AsyncClient, group_id: str, key: str, **person: Any) -> str:
    """A person who joins the group, consents and accepts its agreement."""
    body = {"given_name": key.capitalize(), "family_name": "Jeugdwerker", **person}
    stored = ok(await api.put(f"/v1/people/by-external-id/{key}", json=body))
    ok(await api.post(f"/v1/groups/{group_id}/members", json={"person_id": stored["id"]}))
    base = f"/v1/groups/{group_id}/members/{stored['id']}"
    ok(await api.post(f"{base}/consent", json={"voluntary": True}))
    ok(await api.post(f"{base}/acceptance", json={"agreement_version": 1}))
    return str(stored["id"])


async def closed_session(
    api: httpx.AsyncClient, group_id: str, present: list[str], *, start: str, end: str
) -> str:
    """One session of the group from ``start`` to ``end``, ``present`` there throughout, closed."""
    planned = ok(
        await api.post("/v1/sessions", json={"group_id": group_id, "start": start, "end": end})
    )
    session_id = str(planned["sessions"][0]["id"])
    for person_id in present:
        attendance = f"/v1/sessions/{session_id}/attendance/{person_id}"
        ok(await api.put(attendance, json={"status": "present"}))
    ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))
    return session_id
