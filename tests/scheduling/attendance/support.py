"""Helpers of the attendance tests (and of others that need a closed session)."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import Group, facilitator, make_group, plan_one


async def record(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session: dict,
    person_id: uuid.UUID,
    status: str = "present",
    **times: str,
) -> httpx.Response:
    return await client.put(
        f"/v1/sessions/{session['id']}/attendance/{person_id}",
        json={"status": status, **times},
        headers=headers,
    )


async def record_all(
    client: httpx.AsyncClient, headers: dict[str, str], session: dict, group: Group
) -> None:
    """Member 0 present all along, member 1 late, member 2 absent."""
    statuses = [("present", {}), ("present", {"arrived_at": "2025-01-14T19:20"}), ("absent", {})]
    for person_id, (status, times) in zip(group.member_ids, statuses, strict=False):
        response = await record(client, headers, session, person_id, status, **times)
        assert response.status_code == 200, response.text


async def recorded_session(client: httpx.AsyncClient, auth: Token) -> tuple[Group, dict]:
    """A group's session with every member's attendance recorded (:func:`record_all`)."""
    group = await make_group(client, auth)
    session = await plan_one(client, auth("admin"), group, description="Intervisie")
    await record_all(client, facilitator(auth, group), session, group)
    return group, session


async def closed_session(client: httpx.AsyncClient, auth: Token) -> tuple[Group, dict]:
    """A recorded session closed by its facilitator (which signs its proof)."""
    group, session = await recorded_session(client, auth)
    closed = await client.post(
        f"/v1/sessions/{session['id']}/close", json={}, headers=facilitator(auth, group)
    )
    assert closed.status_code == 200, closed.text
    return group, session
