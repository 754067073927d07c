"""A refusal that records itself commits that record in its request's own transaction
(ADR 0100): the request holds one connection and asks for no other, so a service whose every
connection is taken still answers the refusal and keeps its announcement. Scheduling here has a
pool of two connections, one of which its relay's listener holds: a request has one, and before,
its announcement waited for another for ever."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest_asyncio

from services.kit.settings import Settings
from tests.conftest import Token, _client
from tests.kit.privacy.support import announced
from tests.scheduling.people.test_erased_resync import REFUSED, erased, refusal_announced
from tests.scheduling.support import person

BODY = {"given_name": "Anouk", "family_name": "de Vries"}
PATIENCE = 30.0
"""Seconds a refusal may take here: one waiting for a second connection never comes back."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def one_connection(
    settings_for: Callable[..., Settings],
) -> AsyncIterator[httpx.AsyncClient]:
    """Scheduling in-process with one connection for requests: a pool of two, one of them
    its relay's listener's."""
    settings = settings_for("scheduling", db_pool_min=2, db_pool_max=2)
    async for client in _client(settings, "scheduling"):
        yield client


async def test_an_erased_id_is_refused_and_announced_on_the_request_s_one_connection(
    one_connection: httpx.AsyncClient, auth: Token
) -> None:
    gone = await erased(one_connection, auth)
    async with asyncio.timeout(PATIENCE):
        single = await one_connection.put(
            f"/v1/people/by-external-id/{gone.external_id}", json=BODY, headers=gone.hr
        )
    await refusal_announced(one_connection, auth, single, gone, "path.external_id")


async def test_a_batch_with_an_erased_id_is_refused_and_announced_on_one_connection(
    one_connection: httpx.AsyncClient, auth: Token
) -> None:
    gone = await erased(one_connection, auth)
    items = [{"external_id": gone.external_id, **BODY}]
    async with asyncio.timeout(PATIENCE):
        batch = await one_connection.post(
            "/v1/people/batch", json={"items": items}, headers=gone.hr
        )
    await refusal_announced(one_connection, auth, batch, gone, "body.items[0].external_id")


async def test_a_retried_refusal_is_answered_again_and_announced_once(
    one_connection: httpx.AsyncClient, auth: Token
) -> None:
    """With an ``Idempotency-Key`` the refusal is stored with its announcement: the retry gets
    the same answer, and nothing is announced twice."""
    gone = await erased(one_connection, auth)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    items = [{"external_id": gone.external_id, **BODY}]
    answers = []
    for _ in range(2):
        async with asyncio.timeout(PATIENCE):
            answers.append(
                await one_connection.post(
                    "/v1/people/batch", json={"items": items}, headers={**gone.hr, **key}
                )
            )
    first, again = answers
    event = await refusal_announced(one_connection, auth, first, gone, "body.items[0].external_id")
    assert again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["errors"] == first.json()["errors"]
    assert [e["id"] for e in await announced(one_connection, auth(), type=REFUSED)] == [event["id"]]


async def test_an_erasure_no_service_could_do_keeps_its_failed_request_on_one_connection(
    one_connection: httpx.AsyncClient, auth: Token
) -> None:
    """Invoicing is not reachable from this scheduling: the request fails (503) and is kept
    as failed, written in the request's transaction, which commits it."""
    someone = await person(one_connection, auth, f"p-{uuid.uuid4().hex[:8]}")
    async with asyncio.timeout(PATIENCE):
        failed = await one_connection.post(f"/v1/people/{someone['id']}/erasure", headers=auth())
    assert failed.status_code == 503, failed.text
    kept = await one_connection.get(
        "/v1/erasure-requests", params={"person_id": someone["id"]}, headers=auth()
    )
    assert [r["status"] for r in kept.json()["items"]] == ["failed"]
