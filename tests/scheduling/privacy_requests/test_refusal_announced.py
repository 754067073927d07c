"""A refused erasure request is announced: ``erasure.refused`` in scheduling's feed, written
with the stored refusal, naming the request, the rule and the invoices that block it; the HR
client of the person's employer reads it, another employer's does not. Scheduling asks the
real invoicing, in-process over ASGI, on the same database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest_asyncio
from litestar import Litestar

from services.kit.settings import Settings
from tests.conftest import SCHEDULING_URL, Token, _running, scheduling_mounts, service_module
from tests.invoicing.privacy.support import issue
from tests.invoicing.support import invoices_of, participants, profile, sheet
from tests.kit.privacy.support import announced
from tests.scheduling.people.support import put_organisation
from tests.scheduling.support import person


@pytest_asyncio.fixture
async def invoicing_beside(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing in-process, which the in-process scheduling asks for its part of an erasure
    for this test (as ``KRING_INVOICING_URL`` would point it there); a client of it."""
    settings = settings_for("invoicing", scheduling_url=SCHEDULING_URL)
    (to_scheduling,) = scheduling_mounts(scheduling_app).values()
    app = service_module("invoicing", "app").create_app(settings, scheduling=to_scheduling)
    async with _running(app):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://invoicing") as peer,
            httpx.AsyncClient(
                transport=transport,
                base_url="http://invoicing",
                mounts=scheduling_mounts(scheduling_app),
            ) as client,
        ):
            before = scheduling_app.state.get("invoicing")
            scheduling_app.state["invoicing"] = peer
            try:
                yield client
            finally:
                scheduling_app.state["invoicing"] = before


async def owing(scheduling: httpx.AsyncClient, invoicing: httpx.AsyncClient, auth: Token) -> Any:
    """A person of employer A in scheduling with an issued, unpaid invoice in invoicing."""
    employer = await put_organisation(scheduling, auth, f"emp-{uuid.uuid4().hex[:8]}")
    owes = await person(
        scheduling, auth, f"owes-{uuid.uuid4().hex[:8]}", employer_id=employer["id"]
    )
    facilitator = await profile(invoicing, auth())
    people = participants(2)
    people[0]["person_id"] = owes["id"]
    made = await sheet(invoicing, auth(), facilitator, participants=people)
    theirs = await invoices_of(invoicing, auth(), made["id"])
    mine = next(i for i in theirs if i["person_id"] == owes["id"])
    await issue(invoicing, auth(), mine["id"])
    return owes, employer, mine


async def test_a_refused_erasure_is_announced_with_what_blocks_it(
    scheduling: httpx.AsyncClient, invoicing_beside: httpx.AsyncClient, auth: Token
) -> None:
    owes, employer, invoice = await owing(scheduling, invoicing_beside, auth)

    refused = await scheduling.post(f"/v1/people/{owes['id']}/erasure", headers=auth())

    assert refused.status_code == 409, refused.text
    request_id = refused.json()["extra"]["erasure_request_id"]
    (event,) = [
        e
        for e in await announced(scheduling, auth(), expected=1, type="erasure.refused")
        if e["aggregate_id"] == owes["id"]
    ]
    assert event["data"] == {
        "erasure_request_id": request_id,
        "person_id": owes["id"],
        "employer_id": employer["id"],
        "service": "invoicing",
        "rule": "open_obligations",
        "invoice_ids": [invoice["id"]],
    }
    stored = await scheduling.get(f"/v1/erasure-requests/{request_id}", headers=auth())
    assert (stored.json()["status"], stored.json()["refusal"]["rule"]) == (
        "refused",
        "open_obligations",
    )
    # The employer's HR client reads it; another employer's does not.
    hr = auth("hr", client_org=employer["id"])
    assert [
        e["data"]["erasure_request_id"]
        for e in await announced(scheduling, hr, expected=1, type="erasure.refused")
    ] == [request_id]
    other = auth("hr", client_org=str(uuid.uuid4()))
    assert await announced(scheduling, other, type="erasure.refused") == []


async def test_an_erasure_no_service_could_do_is_not_a_refusal(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    someone = await person(scheduling, auth, f"p-{uuid.uuid4().hex[:8]}")
    failed = await scheduling.post(f"/v1/people/{someone['id']}/erasure", headers=auth())
    assert failed.status_code == 503, failed.text  # invoicing is not configured in-process
    assert await announced(scheduling, auth(), type="erasure.refused") == []
