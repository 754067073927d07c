"""Idempotency-Key through scheduling's API: a replay answers the stored answer, a reused key
is a 422, concurrent requests with one key make one effect."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.sessions.support import make_group


def keyed(headers: dict[str, str], key: str | None = None) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key or secrets.token_hex(16)}


async def _group_body(client: httpx.AsyncClient, auth: Token) -> dict[str, object]:
    group = await make_group(client, auth, members=0)
    body = (await client.get(f"/v1/groups/{group.id}", headers=auth("admin"))).json()
    return {
        "name": f"Intervisie {secrets.token_hex(4)}",
        "facilitator_id": str(group.facilitator_id),
        "mode": "online",
        "default_method_id": body["default_method_id"],
        "agreement": {"ground_rules": "Op tijd.", "confidentiality": "Binnen de groep."},
    }


async def _groups_named(client: httpx.AsyncClient, auth: Token, name: object) -> int:
    listed = (await client.get("/v1/groups", params={"limit": 200}, headers=auth("admin"))).json()
    return sum(1 for g in listed["items"] if g["name"] == name)


async def test_a_replayed_post_answers_the_first_answer_and_makes_nothing_new(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = await _group_body(scheduling, auth)
    headers = keyed(auth("admin"))
    first = await scheduling.post("/v1/groups", json=body, headers=headers)
    again = await scheduling.post("/v1/groups", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.content == first.content
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _groups_named(scheduling, auth, body["name"]) == 1


async def test_a_key_sent_with_another_body_is_refused(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = await _group_body(scheduling, auth)
    headers = keyed(auth("admin"))
    assert (await scheduling.post("/v1/groups", json=body, headers=headers)).status_code == 201
    other = await scheduling.post("/v1/groups", json={**body, "name": "Ander"}, headers=headers)
    assert other.status_code == 422, other.text
    (error,) = other.json()["errors"]
    assert (error["field"], error["rule"]) == ("header.Idempotency-Key", "idempotency_key_reused")


async def test_a_refused_request_is_stored_and_replayed_too(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    headers = keyed(auth("admin"))
    body = {"name": "x", "facilitator_id": str(uuid.uuid4()), "mode": "online"}
    first = await scheduling.post("/v1/groups", json=body, headers=headers)
    again = await scheduling.post("/v1/groups", json=body, headers=headers)
    assert first.status_code == again.status_code and 400 <= first.status_code < 500
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["errors"] == first.json()["errors"]


async def test_a_malformed_key_is_a_400_naming_the_header(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.post("/v1/groups", json={}, headers=keyed(auth("admin"), "x" * 256))
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_five_concurrent_posts_with_one_key_make_one_group(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = await _group_body(scheduling, auth)
    headers = keyed(auth("admin"))
    answers = await asyncio.gather(
        *(scheduling.post("/v1/groups", json=body, headers=headers) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    assert await _groups_named(scheduling, auth, body["name"]) == 1


async def _five(
    client: httpx.AsyncClient, url: str, body: object, headers: dict[str, str]
) -> httpx.Response:
    """Five concurrent POSTs with one key: one answer, four of them replays; that answer."""
    headers = keyed(headers)
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers=headers) for _ in range(5))
    )
    assert len({(a.status_code, a.content) for a in answers}) == 1, [a.text for a in answers]
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    assert answers[0].status_code < 300, answers[0].text
    return answers[0]


async def test_five_concurrent_agreement_revisions_with_one_key_make_one_version(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=0)
    url = f"/v1/groups/{group.id}/agreements"
    revision = {"ground_rules": "Telefoons uit.", "confidentiality": "Binnen de groep."}
    answer = await _five(scheduling, url, revision, auth("admin"))
    assert answer.json()["agreement"]["version"] == 2
    read = await scheduling.get(f"/v1/groups/{group.id}", headers=auth("admin"))
    assert read.json()["agreement"]["version"] == 2


async def test_five_concurrent_plans_with_one_key_plan_one_session(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth, members=0)
    body = {"group_id": str(group.id), "start": "2025-03-04T19:00", "end": "2025-03-04T21:00"}
    await _five(scheduling, "/v1/sessions", body, auth("admin"))
    listed = await scheduling.get(
        "/v1/sessions", params={"group_id": str(group.id)}, headers=auth("admin")
    )
    assert len(listed.json()["items"]) == 1


async def test_five_concurrent_people_batches_with_one_key_upsert_once(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    external_id = f"batch-{secrets.token_hex(4)}"
    items = [{"external_id": external_id, "given_name": "A", "family_name": "B"}]
    answer = await _five(scheduling, "/v1/people/batch", {"items": items}, auth("admin"))
    assert [item["outcome"] for item in answer.json()["items"]] == ["created"]
