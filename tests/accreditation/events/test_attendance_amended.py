"""An attendance amendment after close (scheduling's `attendance.amended`, the corrected
snapshot of the session): the credit that no longer counts as it did is reversed and the
corrected one recorded; the person's entries, totals and the registrar's view net to the
corrected minutes, the chain stays valid, and what did not change is left alone."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

import httpx

from tests.accreditation.outcomes.support import closed, deliver, event, items, member
from tests.conftest import Token

DAY = date(2024, 3, 12)
SKJ = {"register": "SKJ", "number": "110012345", "registered_on": "2021-06-01"}


def afternoon(org: uuid.UUID, *attendees: dict[str, Any]) -> dict[str, Any]:
    """`session.closed` of a session from 13:30 to 16:00 in Amsterdam, everyone there all along,
    led by an LVSC supervisor (SKJ accepts LVSC)."""
    body = closed(org, *attendees, recognitions=["LVSC"], day=DAY)
    body["data"].update(starts_at="2024-03-12T13:30:00+01:00", ends_at="2024-03-12T16:00:00+01:00")
    return body


def amended(body: dict[str, Any], person_id: str, **attendance: Any) -> dict[str, Any]:
    """`attendance.amended`: the snapshot of ``body`` with ``person_id``'s attendance corrected."""
    data = copy.deepcopy(body["data"])
    for attendee in data["attendees"]:
        if attendee["person_id"] == person_id:
            attendee.update(attendance)
    data.update(person_id=person_id, reason="Eerder vertrokken")
    return event(uuid.UUID(body["org_id"]), "attendance.amended", data["session_id"], data)


async def entries(consumer: httpx.AsyncClient, auth: Token, person_id: str) -> list[dict]:
    path = f"/v1/people/{person_id}/registers/SKJ/entries"
    return await items(consumer, path, auth("admin"))


async def totals(consumer: httpx.AsyncClient, auth: Token, person_id: str) -> dict[str, Any]:
    response = await consumer.get(
        f"/v1/people/{person_id}/registers/SKJ/totals", headers=auth("admin")
    )
    assert response.status_code == 200, response.text
    (cycle,) = response.json()["cycles"]
    return {"entries": cycle["entries"], "minutes": cycle["minutes"]}


async def valid(consumer: httpx.AsyncClient, auth: Token) -> bool:
    response = await consumer.get("/v1/ledger/verification", headers=auth("admin"))
    assert response.status_code == 200, response.text
    return bool(response.json()["valid"])


async def test_leaving_at_15_instead_of_16_nets_to_90_minutes(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna, bram = member(SKJ, name="Anna de Vries"), member(SKJ, name="Bram Smit")
    body = afternoon(org, anna, bram)
    assert (await deliver(consumer, body))["recorded"] == 2
    granted = await consumer.put(
        "/v1/consents/SKJ", headers=auth("participant", person=anna["person_id"])
    )
    assert granted.status_code == 201, granted.text

    correction = amended(body, anna["person_id"], departed_at="2024-03-12T15:00:00+01:00")
    applied = await deliver(consumer, correction)

    assert (applied["status"], applied["reversed"], applied["recorded"]) == ("applied", 1, 1)
    assert applied["already_recorded"] == 1  # Bram's credit, left as it was
    history = await entries(consumer, auth, anna["person_id"])
    assert [(e["kind"], e["minutes"], e["revision"]) for e in history] == [
        ("credit", 150, 1),
        ("reversal", -150, 1),
        ("credit", 90, 2),
    ]
    assert history[1]["reverses_id"] == history[0]["id"]
    assert history[1]["reason"] == "attendance amended: Eerder vertrokken"
    assert await totals(consumer, auth, anna["person_id"]) == {"entries": 1, "minutes": 90}
    registrar = await items(consumer, "/v1/registrar/entries", auth("registrar", register="SKJ"))
    assert [e["minutes"] for e in registrar] == [150, -150, 90]
    assert {e["person_id"] for e in registrar} == {anna["person_id"]}
    assert sum(e["minutes"] for e in registrar) == 90
    [outcome] = await items(consumer, f"/v1/people/{anna['person_id']}/outcomes", auth("admin"))
    assert (outcome["status"], outcome["minutes"], outcome["entry_id"]) == (
        "recorded",
        90,
        history[2]["id"],
    )
    assert [
        (e["kind"], e["minutes"]) for e in await entries(consumer, auth, bram["person_id"])
    ] == [("credit", 150)]
    assert await valid(consumer, auth)


async def test_a_correction_is_applied_once(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = member(SKJ)
    body = afternoon(org, anna)
    await deliver(consumer, body)
    correction = amended(body, anna["person_id"], departed_at="2024-03-12T15:00:00+01:00")
    await deliver(consumer, correction)

    redelivered = await deliver(consumer, correction)
    same_again = await deliver(consumer, {**correction, "id": str(uuid.uuid4())})

    assert redelivered["status"] == "duplicate"
    assert (same_again["reversed"], same_again["recorded"], same_again["already_recorded"]) == (
        0,
        0,
        1,
    )
    assert [e["minutes"] for e in await entries(consumer, auth, anna["person_id"])] == [
        150,
        -150,
        90,
    ]
    assert await valid(consumer, auth)


async def test_amended_to_absent_the_credit_is_reversed_and_the_outcome_refused(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = member(SKJ)
    body = afternoon(org, anna)
    await deliver(consumer, body)

    applied = await deliver(consumer, amended(body, anna["person_id"], status="absent"))

    assert (applied["reversed"], applied["recorded"], applied["refused"]) == (1, 0, 1)
    assert [e["minutes"] for e in await entries(consumer, auth, anna["person_id"])] == [150, -150]
    assert await totals(consumer, auth, anna["person_id"]) == {"entries": 0, "minutes": 0}
    [outcome] = await items(consumer, f"/v1/people/{anna['person_id']}/outcomes", auth("admin"))
    assert (outcome["status"], [r["rule"] for r in outcome["reasons"]]) == (
        "refused",
        ["presence"],
    )
    assert await valid(consumer, auth)


async def test_amended_from_absent_to_present_the_credit_is_recorded(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = {**member(SKJ), "status": "absent"}
    body = afternoon(org, anna)
    assert (await deliver(consumer, body))["refused"] == 1

    applied = await deliver(consumer, amended(body, anna["person_id"], status="present"))

    assert (applied["reversed"], applied["recorded"]) == (0, 1)
    assert [e["minutes"] for e in await entries(consumer, auth, anna["person_id"])] == [150]
