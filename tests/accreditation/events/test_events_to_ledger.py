"""Scheduling's events, consumed: signed deliveries become ledger entries once, cancellations
reverse them, and unsigned, stale or unknown deliveries change nothing."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.kit import webhooks
from services.kit.settings import Settings
from tests.conftest import Token, _client

SECRET = webhooks.new_secret()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def consumer(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    """Accreditation with a webhook secret configured, as `kring run` wires it."""
    settings = settings_for("accreditation", webhook_secrets=(SECRET,))
    async for client in _client(settings, "accreditation"):
        yield client


def registration(register: str, number: str = "A-1234", **extra: Any) -> dict[str, Any]:
    return {"register": register, "number": number, **extra}


def attendee(*registrations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "person_id": str(extra.pop("person_id", uuid.uuid4())),
        "name": "Anna de Vries",
        "given_name": "Anna",
        "family_name": "de Vries",
        "employer_id": None,
        "status": extra.pop("status", "present"),
        "arrived_at": None,
        "departed_at": None,
        "registrations": list(registrations),
        **extra,
    }


def closed(
    org: uuid.UUID,
    *attendees: dict[str, Any],
    session_id: uuid.UUID | None = None,
    day: date = date(2024, 3, 10),
    minutes: int = 150,
    mode: str = "in_person",
    group_size: int = 6,
) -> dict[str, Any]:
    """A `session.closed` event as scheduling sends it: 13:00 UTC on ``day``."""
    session_id = session_id or uuid.uuid4()
    start = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    end = start + timedelta(minutes=minutes)
    return event(
        org,
        "session.closed",
        session_id,
        {
            "session_id": str(session_id),
            "group_id": str(uuid.uuid4()),
            "group_name": "Intervisie Noord",
            "date": day.isoformat(),
            "starts_at": start.isoformat(),
            "ends_at": end.isoformat(),
            "local_start": "2024-03-10T14:00",
            "local_end": "2024-03-10T16:30",
            "timezone": "Europe/Amsterdam",
            "mode": mode,
            "location": "Utrecht",
            "method": "Incidentmethode",
            "description": None,
            "group_size": group_size,
            "member_ids": [a["person_id"] for a in attendees],
            "facilitator": {
                "person_id": str(uuid.uuid4()),
                "name": "Bram Jansen",
                "recognitions": [
                    {"register": "NOVA", "role": "gespreksleider", "number": None},
                    {"register": "LVSC", "role": "supervisor", "number": "S-1"},
                ],
            },
            "attendees": list(attendees),
        },
    )


def cancelled(org: uuid.UUID, session_id: str, previous_status: str = "closed") -> dict[str, Any]:
    return event(
        org,
        "session.cancelled",
        uuid.UUID(session_id),
        {
            "session_id": session_id,
            "group_id": str(uuid.uuid4()),
            "reason": "held in error",
            "previous_status": previous_status,
        },
    )


def event(org: uuid.UUID, type_: str, aggregate: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "timestamp": datetime.now(UTC).isoformat(),
        "org_id": str(org),
        "aggregate_id": str(aggregate),
        "correlation_id": "req-1",
        "data": data,
    }


async def deliver(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = webhooks.headers(secret, message_id=body["id"], body=raw, timestamp=timestamp)
    return await client.post("/internal/events", content=raw, headers=headers)


async def entries(
    client: httpx.AsyncClient, auth: Token, person: str, register: str = "NOVA"
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/people/{person}/registers/{register}/entries", headers=auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def totals(client: httpx.AsyncClient, auth: Token, person: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/people/{person}/registers/NOVA/totals", headers=auth())
    assert response.status_code == 200, response.text
    cycles: list[dict[str, Any]] = response.json()["cycles"]
    return cycles


async def test_a_signed_session_closed_becomes_ledger_entries(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"), registration("NIP", "00123456"))
    excused = attendee(registration("NOVA", "A-2"), status="excused")
    body = closed(org, anna, excused, attendee(), mode="hybrid")

    response = await deliver(consumer, body)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "applied",
        "event_id": body["id"],
        "type": "session.closed",
        "recorded": 1,
        "already_recorded": 0,
        "refused": 1,
        "pending": 1,
        "reversed": 0,
    }
    [entry] = await entries(consumer, auth, anna["person_id"])
    assert entry["kind"] == "credit"
    assert entry["session_id"] == body["data"]["session_id"]
    assert entry["recorded_by"] == f"event:{body['id']}"
    assert (entry["minutes"], entry["points_centi"]) == (150, 250)
    assert entry["mode"] == "in_person"  # hybrid is judged as held in person
    assert entry["facilitator_recognitions"] == ["NOVA", "LVSC"]
    assert (entry["group_size"], entry["method"]) == (6, "Incidentmethode")
    assert entry["registration_number"] == "A-1234"
    # NIP's cycles run from the registration date, which the event does not carry: pending.
    assert await entries(consumer, auth, anna["person_id"], "NIP") == []
    assert await entries(consumer, auth, excused["person_id"]) == []
    verification = await consumer.get("/v1/ledger/verification", headers=auth())
    assert verification.json()["valid"] is True


async def test_a_redelivery_changes_nothing(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"))
    body = closed(org, anna)
    assert (await deliver(consumer, body)).json()["recorded"] == 1
    before = await entries(consumer, auth, anna["person_id"])

    again = await deliver(consumer, body)

    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate"
    assert again.json()["recorded"] == 0
    assert await entries(consumer, auth, anna["person_id"]) == before

    # Another event closing the same session (a new id) is idempotent per session too.
    other = {**body, "id": str(uuid.uuid4())}
    response = await deliver(consumer, other)
    assert response.json()["status"] == "applied"
    assert (response.json()["recorded"], response.json()["already_recorded"]) == (0, 1)
    assert await entries(consumer, auth, anna["person_id"]) == before


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"))
    body = closed(org, anna)

    responses = await asyncio.gather(*(deliver(consumer, body) for _ in range(3)))

    assert sorted(r.json()["status"] for r in responses) == ["applied", "duplicate", "duplicate"]
    assert len(await entries(consumer, auth, anna["person_id"])) == 1


async def test_a_bad_signature_is_refused_and_records_nothing(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"))
    body = closed(org, anna)

    response = await deliver(consumer, body, secret=webhooks.new_secret())

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["rule"] == "webhook_signature"
    assert await entries(consumer, auth, anna["person_id"]) == []
    # Nor is it in the inbox: the genuine delivery of the same event is applied.
    assert (await deliver(consumer, body)).json()["status"] == "applied"


async def test_a_stale_timestamp_is_refused_and_records_nothing(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"))
    body = closed(org, anna)

    response = await deliver(consumer, body, timestamp=int(time.time()) - 301)

    assert response.status_code == 401
    assert response.json()["errors"][0]["rule"] == "webhook_timestamp"
    assert await entries(consumer, auth, anna["person_id"]) == []


async def test_missing_headers_are_refused(consumer: httpx.AsyncClient, org: uuid.UUID) -> None:
    response = await consumer.post("/internal/events", json=closed(org, attendee()))
    assert response.status_code == 401


async def test_a_cancelled_closed_session_is_reversed(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    person = str(uuid.uuid4())
    earlier = closed(org, attendee(registration("NOVA"), person_id=person), day=date(2024, 2, 4))
    assert (await deliver(consumer, earlier)).json()["recorded"] == 1
    before = await totals(consumer, auth, person)

    held = closed(org, attendee(registration("NOVA"), person_id=person))
    assert (await deliver(consumer, held)).json()["recorded"] == 1
    assert (await totals(consumer, auth, person))[0]["points_centi"] == 400  # capped at 4

    cancel = cancelled(org, held["data"]["session_id"])
    response = await deliver(consumer, cancel)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "applied"
    assert response.json()["reversed"] == 1
    after = await totals(consumer, auth, person)
    figures = ("minutes", "points_centi_raw", "points_centi", "caps", "minutes_missing")
    assert [{k: c[k] for k in figures} for c in after] == [
        {k: c[k] for k in figures} for c in before
    ]
    listed = await entries(consumer, auth, person)
    reversal = listed[-1]
    assert reversal["kind"] == "reversal"
    assert reversal["reason"] == "session cancelled: held in error"
    assert reversal["recorded_by"] == f"event:{cancel['id']}"
    lines = await consumer.get(
        f"/v1/sessions/{held['data']['session_id']}/attendance-lists/NOVA", headers=auth()
    )
    assert lines.json()["items"] == []

    # Redelivered: nothing more is reversed; a second cancellation finds nothing live.
    assert (await deliver(consumer, cancel)).json()["status"] == "duplicate"
    again = await deliver(consumer, {**cancel, "id": str(uuid.uuid4())})
    assert again.json()["reversed"] == 0
    assert len(await entries(consumer, auth, person)) == 3
    verification = await consumer.get("/v1/ledger/verification", headers=auth())
    assert verification.json()["valid"] is True


async def test_cancelling_a_planned_session_changes_nothing(
    consumer: httpx.AsyncClient, org: uuid.UUID
) -> None:
    response = await deliver(consumer, cancelled(org, str(uuid.uuid4()), "planned"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ignored"


async def test_an_unknown_type_is_ignored_but_remembered(
    consumer: httpx.AsyncClient, org: uuid.UUID
) -> None:
    body = event(org, "session.scheduled", uuid.uuid4(), {"session_id": str(uuid.uuid4())})

    first = await deliver(consumer, body)
    again = await deliver(consumer, body)

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "ignored"
    assert again.json()["status"] == "duplicate"


async def test_a_malformed_event_is_a_400_and_not_remembered(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"))
    body = closed(org, anna)
    broken = {**body, "data": {**body["data"], "starts_at": "not a time"}}

    response = await deliver(consumer, broken)

    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "body.data"
    envelope = await deliver(consumer, {**body, "org_id": "nobody"})
    assert envelope.status_code == 400
    raw = b"{not json"
    headers = webhooks.headers(SECRET, message_id=str(uuid.uuid4()), body=raw)
    not_json = await consumer.post("/internal/events", content=raw, headers=headers)
    assert not_json.status_code == 400
    # Corrected (the same event id, as a replay would send it), it is applied.
    assert (await deliver(consumer, body)).json()["recorded"] == 1


async def test_a_number_the_ledger_cannot_hold_refuses_only_that_registration(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    anna = attendee(registration("NOVA"), registration("MFN", "M 77"))
    response = await deliver(consumer, closed(org, anna))

    assert response.status_code == 200, response.text
    assert (response.json()["recorded"], response.json()["refused"]) == (1, 1)
    assert len(await entries(consumer, auth, anna["person_id"])) == 1


@pytest.mark.parametrize(
    ("kind", "rule"), [("signature", "webhook_signature"), ("timestamp", "webhook_timestamp")]
)
async def test_a_refused_delivery_is_logged(
    consumer: httpx.AsyncClient, org: uuid.UUID, kind: str, rule: str
) -> None:
    from structlog.testing import capture_logs

    body = closed(org, attendee(registration("NOVA")))
    with capture_logs() as logs:
        if kind == "signature":
            response = await deliver(consumer, body, secret=webhooks.new_secret())
        else:
            response = await deliver(consumer, body, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    refused = [entry for entry in logs if entry["event"] == "webhook_refused"]
    assert refused, logs
    assert refused[0]["webhook_id"] == body["id"]
    assert refused[0]["log_level"] == "warning"
    assert rule.split("_")[1] in refused[0]["reason"]
