"""The ledger announces every entry it appends (``ledger.entry_recorded``,
``ledger.entry_reversed``) in the transaction that appends it, as its AsyncAPI document
describes, and an HR client reads only those about its client organisation's people."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx

from tests.accreditation.outcomes.support import closed, deliver, event, feed, member
from tests.conftest import Token
from tests.contract.support import message_validator

DAY = date(2024, 3, 10)


async def closed_then_cancelled(
    consumer: httpx.AsyncClient, org: uuid.UUID, *, employers: tuple[str, str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Anna's SKJ hours recorded and Bram's NOvA hours refused (his facilitator is LVSC's),
    then the session cancelled: Anna's entry is reversed."""
    anna = {
        **member({"register": "SKJ", "number": "110012345", "registered_on": "2021-06-01"}),
        "employer_id": employers[0],
    }
    bram = {
        **member({"register": "NOVA", "number": "A-1234"}, name="Bram Smit"),
        "employer_id": employers[1],
    }
    body = closed(org, anna, bram, recognitions=["LVSC"], day=DAY)
    result = await deliver(consumer, body)
    assert (result["recorded"], result["refused"]) == (1, 1), result
    session_id = body["data"]["session_id"]
    cancelled = {"session_id": session_id, "reason": "Held in error", "previous_status": "closed"}
    result = await deliver(consumer, event(org, "session.cancelled", session_id, cancelled))
    assert result["reversed"] == 1, result
    return body, anna, bram


async def test_each_entry_is_announced_with_whose_employee_it_is(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    own, other = str(uuid.uuid4()), str(uuid.uuid4())
    body, anna, bram = await closed_then_cancelled(consumer, org, employers=(own, other))

    sent = await feed(consumer, auth, expect=3)
    assert [e["type"] for e in sent] == [
        "ledger.entry_recorded",
        "ledger.outcome_refused",
        "ledger.entry_reversed",
    ]
    recorded, refused, reversed_ = (e["data"] for e in sent)
    assert (recorded["person_id"], recorded["employer_id"]) == (anna["person_id"], own)
    assert (recorded["minutes"], recorded["register_code"]) == (150, "SKJ")
    assert (refused["person_id"], refused["employer_id"]) == (bram["person_id"], other)
    assert reversed_["reverses_id"] == recorded["entry_id"]
    assert (reversed_["minutes"], reversed_["employer_id"]) == (-150, own), "from the snapshot"
    assert reversed_["reason"] == "session cancelled: Held in error"
    assert {sent[0]["aggregate_id"], sent[2]["aggregate_id"]} == {anna["person_id"]}
    assert sent[1]["aggregate_id"] == body["data"]["session_id"], "an outcome's is the session"
    assert "name" not in recorded and "person_name" not in recorded
    for item in sent:
        validator = message_validator("accreditation", item["type"])
        assert [e.message for e in validator.iter_errors(item)] == [], item["type"]
    entry = await consumer.get(f"/v1/ledger/entries/{recorded['entry_id']}", headers=auth())
    assert (entry.json()["seq"], entry.json()["hash"]) == (recorded["seq"], recorded["hash"])


async def test_an_hr_client_reads_only_its_own_peoples_ledger_events(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    own, other = str(uuid.uuid4()), str(uuid.uuid4())
    _, anna, bram = await closed_then_cancelled(consumer, org, employers=(own, other))
    await feed(consumer, auth, expect=3)

    def seen(page: httpx.Response) -> list[tuple[str, str]]:
        return [(e["type"], e["data"]["person_id"]) for e in page.json()["items"]]

    page = await consumer.get("/v1/events", headers=auth("hr", client_org=own))
    assert seen(page) == [
        ("ledger.entry_recorded", anna["person_id"]),
        ("ledger.entry_reversed", anna["person_id"]),
    ]
    page = await consumer.get("/v1/events", headers=auth("hr", client_org=other))
    assert seen(page) == [("ledger.outcome_refused", bram["person_id"])]
    for nothing in (auth("hr"), auth("hr", client_org=str(uuid.uuid4()))):
        page = await consumer.get("/v1/events", headers=nothing)
        assert (page.status_code, page.json()["items"]) == (200, [])
    # A service consumes none of the ledger's events: it may not read the feed (ADR 0082).
    assert (await consumer.get("/v1/events", headers=auth("service"))).status_code == 403
