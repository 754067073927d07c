"""Helpers of the sessions, attendance and calendar tests: a group made through the API,
tokens of its facilitator and members, planning, and the event feed."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.kit.errors import RuleViolation
from tests.conftest import Token


@dataclass(frozen=True)
class Group:
    id: uuid.UUID
    facilitator_id: uuid.UUID
    member_ids: list[uuid.UUID]


AGREEMENT = {"ground_rules": "Op tijd beginnen.", "confidentiality": "Alles blijft in de groep."}


async def _person(client: httpx.AsyncClient, auth: Token, given: str) -> uuid.UUID:
    response = await client.put(
        f"/v1/people/by-external-id/t-{secrets.token_hex(6)}",
        json={"given_name": given, "family_name": "Test"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def make_group(
    client: httpx.AsyncClient,
    auth: Token,
    *,
    members: int = 3,
    member_ids: list[uuid.UUID] | None = None,
    facilitator_id: uuid.UUID | None = None,
    mode: str = "in_person",
    location: str | None = "Utrecht, Oudegracht 1",
    max_absences: int = 1,
    name: str = "Jeugdzorg Utrecht",
) -> Group:
    """A group with its facilitator and counting members, made through the groups API."""
    admin = auth("admin")
    if facilitator_id is None:
        facilitator_id = await _person(client, auth, "Fenna")
        made = await client.put(f"/v1/facilitators/{facilitator_id}", json={}, headers=admin)
        assert made.status_code == 201, made.text
    methods = (await client.get("/v1/methods", headers=admin)).json()
    items = methods["items"] if isinstance(methods, dict) else methods
    (incident,) = [m["id"] for m in items if m["key"] == "incidentmethode"]
    body = {
        "name": name,
        "facilitator_id": str(facilitator_id),
        "mode": mode,
        "location": location,
        "default_method_id": incident,
        "max_absences": max_absences,
        "agreement": AGREEMENT,
    }
    created = await client.post("/v1/groups", json=body, headers=admin)
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    ids = list(member_ids or [])
    for n in range(members):
        ids.append(await _person(client, auth, f"Member{n}"))
    for person_id in ids:
        steps = [
            ("members", {"person_id": str(person_id)}),
            (f"members/{person_id}/consent", {"voluntary": True}),
            (f"members/{person_id}/acceptance", {"agreement_version": 1}),
        ]
        for path, step in steps:
            response = await client.post(f"/v1/groups/{group_id}/{path}", json=step, headers=admin)
            assert response.status_code in (200, 201), response.text
    return Group(id=uuid.UUID(group_id), facilitator_id=facilitator_id, member_ids=ids)


def facilitator(auth: Token, group: Group) -> dict[str, str]:
    return auth("facilitator", person=group.facilitator_id)


def participant(auth: Token, person_id: uuid.UUID) -> dict[str, str]:
    return auth("participant", person=person_id)


async def plan(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    group: Group,
    start: str = "2025-01-14T19:00",
    end: str = "2025-01-14T21:30",
    **fields: object,
) -> httpx.Response:
    return await client.post(
        "/v1/sessions",
        json={"group_id": str(group.id), "start": start, "end": end, **fields},
        headers=headers,
    )


async def plan_one(
    client: httpx.AsyncClient, headers: dict[str, str], group: Group, **fields: object
) -> dict:
    response = await plan(client, headers, group, **fields)
    assert response.status_code == 201, response.text
    (session,) = response.json()["sessions"]
    return session


def broken_rules(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["rule"] for e in response.json()["errors"]]


SETUP = frozenset({"group.member_added"})
"""The events a group's making sends (:func:`make_group`), which the session tests pass over."""


async def events(
    client: httpx.AsyncClient,
    auth: Token,
    *,
    after: str | None = None,
    expect: int = 1,
    hide: frozenset[str] = SETUP,
) -> tuple[list[dict], str]:
    """The feed after ``after`` but the types in ``hide``, waiting (up to 30 s) for ``expect``
    events: the feed holds back events while any older transaction in the cluster is still in
    flight."""
    params = {"cursor": after} if after else {}
    for _ in range(600):
        response = await client.get("/v1/events", params=params, headers=auth("admin"))
        assert response.status_code == 200, response.text
        items = [e for e in response.json()["items"] if e["type"] not in hide]
        if len(items) >= expect:
            break
        await asyncio.sleep(0.05)
    return items, response.json()["next_cursor"]


def rule_of(exc: pytest.ExceptionInfo[RuleViolation]) -> str:
    return exc.value.errors[0].rule


def span(start_hour: int, hours: int) -> tuple[datetime, datetime]:
    start = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=start_hour)
    return start, start + timedelta(hours=hours)
