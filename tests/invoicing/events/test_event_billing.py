"""Scheduling's events, consumed: signed deliveries to ``POST /internal/events``.

The producer is not needed: the tests sign events the way scheduling's relay does
(Standard Webhooks) and check what invoicing made of them through its HTTP API.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest_asyncio
from litestar import Litestar

from services.kit import webhooks
from services.kit.settings import Settings
from tests.conftest import Token, invoicing_client

from ..relations.support import choose, link
from ..support import (
    MUNICIPALITY,
    PROFILE,
    ROOM_AND_KM,
    amounts_per_kind,
    invoices_of,
    kvk_number,
    person_debtor,
    profile,
    today,
)

SECRET = webhooks.new_secret()
YEAR = today().year
STARTS, ENDS = "2026-11-20T13:30:00+01:00", "2026-11-20T16:00:00+01:00"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def consumer(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing, accepting webhooks signed with ``SECRET``."""
    async for client in invoicing_client(settings_for, scheduling_app, webhook_secrets=(SECRET,)):
        yield client


def attendee(name: str, status: str = "present", **changes: Any) -> dict[str, Any]:
    given, _, family = name.partition(" ")
    return {
        "person_id": str(uuid.uuid4()),
        "name": name,
        "given_name": given,
        "family_name": family,
        "employer_id": None,
        "status": status,
        "arrived_at": None,
        "departed_at": None,
        "registrations": [{"register": "SKJ", "number": "110012345"}],
        **changes,
    }


def closed(
    org: uuid.UUID,
    facilitator: uuid.UUID,
    attendees: list[dict[str, Any]],
    *,
    members: list[str] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A ``session.closed`` event as scheduling sends it (with fields invoicing ignores)."""
    session = str(uuid.uuid4())
    data = {
        "session_id": session,
        "group_id": str(uuid.uuid4()),
        "group_name": "Intervisiegroep Noord",
        "date": "2026-11-20",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "local_start": "2026-11-20T13:30",
        "local_end": "2026-11-20T16:00",
        "timezone": "Europe/Amsterdam",
        "mode": "in_person",
        "location": "Utrecht",
        "method": "Incidentmethode",
        "description": None,
        "group_size": len(attendees),
        "member_ids": members if members is not None else [a["person_id"] for a in attendees],
        "facilitator": {
            "person_id": str(facilitator),
            "name": "Femke de Vries",
            "recognitions": [{"register": "LVSC", "role": "supervisor", "number": None}],
        },
        "attendees": attendees,
        "something_new": {"consumers": "ignore it"},
        **changes,
    }
    return event(org, "session.closed", session, data)


def event(org: uuid.UUID, type_: str, aggregate: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": type_,
        "timestamp": datetime.now(UTC).isoformat(),
        "org_id": str(org),
        "aggregate_id": aggregate,
        "correlation_id": "req-test",
        "data": data,
    }


def cancelled(closing: dict[str, Any], previous_status: str = "closed") -> dict[str, Any]:
    session = closing["data"]["session_id"]
    data = {
        "session_id": session,
        "group_id": closing["data"]["group_id"],
        "reason": "held in error",
        "previous_status": previous_status,
    }
    return event(uuid.UUID(closing["org_id"]), "session.cancelled", session, data)


async def deliver(
    client: httpx.AsyncClient,
    body: dict[str, Any] | bytes,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    message_id = str(uuid.uuid4()) if isinstance(body, bytes) else body["id"]
    headers = webhooks.headers(secret, message_id=message_id, body=raw, timestamp=timestamp)
    return await client.post("/internal/events", content=raw, headers=headers)


async def sheets_of_session(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: str
) -> list[dict[str, Any]]:
    response = await client.get("/v1/cost-sheets", params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    return [s for s in response.json()["items"] if s["session_id"] == session_id]


async def all_invoices(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/v1/invoices", params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def billed_employer(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """A client organisation with a debtor linked: its employees' invoices go to it."""
    employer = uuid.uuid4()
    await link(client, headers, employer, MUNICIPALITY)
    return str(employer)


async def test_a_closed_session_becomes_one_cost_sheet_with_a_draft_per_attendee(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), location_cost_cents=9500, travel_km=38)
    employer = uuid.uuid4()
    people = [
        attendee("Anna Bakker"),
        attendee("Bram de Jong", employer_id=str(employer)),
        attendee("Carla Smit", status="absent"),
        attendee("Daan Visser"),
    ]
    await choose(
        consumer,
        auth(),
        people[0]["person_id"],
        {"pays": "self", "debtor": person_debtor("A. Bakker")},
    )
    await link(consumer, auth(), employer, MUNICIPALITY)

    body = closed(org, facilitator, people)
    response = await deliver(consumer, body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "applied"
    [sheet] = await sheets_of_session(consumer, auth(), body["data"]["session_id"])
    assert result["cost_sheet_id"] == sheet["id"]
    assert sheet["facilitator_id"] == str(facilitator)
    assert sheet["description"] == "Intervisiebijeenkomst Intervisiegroep Noord"
    assert sheet["sharing"] == "attendees"
    assert (sheet["facilitation_minutes"], sheet["preparation_minutes"]) == (150, 30)
    assert (sheet["travel_minutes"], sheet["travel_km"], sheet["location_cents"]) == (0, 38, 9500)
    assert [(p["name"], p["attended"]) for p in sheet["participants"]] == [
        ("Anna Bakker", True),
        ("Bram de Jong", True),
        ("Carla Smit", False),
        ("Daan Visser", True),
    ]
    # 150 min + 30 min at 125.00 = 375.00; 38 km at 0.23 = 8.74; location 95.00
    assert sheet["total_cents"] == 37500 + 874 + 9500

    invoices = await invoices_of(consumer, auth(), sheet["id"])
    assert [i["id"] for i in invoices] == result["invoice_ids"]
    assert [i["participant_name"] for i in invoices] == [
        "Anna Bakker",
        "Bram de Jong",
        "Daan Visser",
    ]
    assert [(i["buyer"] or {}).get("name") for i in invoices] == [
        "A. Bakker",  # pays themselves
        "Gemeente Utrecht",  # their employer's debtor
        None,  # nobody to bill: never by name alone, the event has no address
    ]
    assert [i["status"] for i in invoices] == ["draft", "draft", "needs_debtor"]
    assert invoices[2]["needs"][0]["rule"] == "debtor_required"
    assert [i["subtotal_cents"] for i in invoices] == [15958, 15958, 15958]
    assert sum(i["subtotal_cents"] for i in invoices) == sheet["total_cents"]
    assert {i["number"] for i in invoices} == {None}

    reconciliation = await consumer.get(
        f"/v1/cost-sheets/{sheet['id']}/reconciliation", headers=auth()
    )
    assert reconciliation.status_code == 200
    assert reconciliation.json()["difference_cents"] == 0
    assert reconciliation.json()["invoiced_cents"] == sheet["total_cents"]
    assert reconciliation.json()["by_status"] == {"draft": 2, "needs_debtor": 1}


async def test_the_members_policy_bills_the_members_present_or_not(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), sharing="members")
    people = [attendee("Anna Bakker"), attendee("Bram de Jong", "excused"), attendee("Guus Gast")]
    body = closed(org, facilitator, people, members=[p["person_id"] for p in people[:2]])
    assert (await deliver(consumer, body)).json()["status"] == "applied"
    [sheet] = await sheets_of_session(consumer, auth(), body["data"]["session_id"])
    invoices = await invoices_of(consumer, auth(), sheet["id"])
    assert [i["participant_name"] for i in invoices] == ["Anna Bakker", "Bram de Jong"]
    assert sum(i["subtotal_cents"] for i in invoices) == sheet["total_cents"] == 37500


async def test_an_online_session_has_no_travel_or_location(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(
        consumer, auth(), travel_minutes=45, travel_km=38, location_cost_cents=9500
    )
    body = closed(org, facilitator, [attendee("Anna Bakker")], mode="online")
    assert (await deliver(consumer, body)).json()["status"] == "applied"
    [sheet] = await sheets_of_session(consumer, auth(), body["data"]["session_id"])
    assert [line["kind"] for line in sheet["lines"]] == ["facilitation", "preparation"]


async def test_auto_issue_issues_the_invoices_with_gapless_numbers(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(
        consumer, auth(), auto_issue=True, invoice_prefix="AUTO", kvk_number=kvk_number()
    )
    work = await billed_employer(consumer, auth())
    people = [attendee(f"Deelnemer {n}", employer_id=work) for n in range(1, 4)]
    first = closed(org, facilitator, people)
    second = closed(org, facilitator, people[:2])

    assert (await deliver(consumer, first)).json()["status"] == "applied"
    assert (await deliver(consumer, second)).json()["status"] == "applied"

    invoices = await all_invoices(consumer, auth())
    assert {i["status"] for i in invoices} == {"issued"}
    assert [i["number"] for i in invoices] == [f"AUTO-{YEAR}-{n:05d}" for n in range(1, 6)]
    assert {i["issue_date"] for i in invoices} == {today().isoformat()}
    pdf = await consumer.get(f"/v1/invoices/{invoices[0]['id']}/pdf", headers=auth())
    ubl = await consumer.get(f"/v1/invoices/{invoices[0]['id']}/ubl", headers=auth())
    assert (pdf.status_code, ubl.status_code) == (200, 200)
    assert b"<cbc:StreetName></cbc:StreetName>" not in ubl.content


async def test_a_redelivered_event_changes_nothing(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), auto_issue=True, kvk_number=kvk_number())
    work = await billed_employer(consumer, auth())
    people = [attendee("Anna Bakker", employer_id=work), attendee("Bram de Jong", employer_id=work)]
    body = closed(org, facilitator, people)

    first = await deliver(consumer, body)
    again = await deliver(consumer, body)
    other_id = await deliver(consumer, {**body, "id": str(uuid.uuid4())})

    assert first.json()["status"] == "applied"
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert (other_id.status_code, other_id.json()["status"]) == (200, "duplicate")
    assert other_id.json()["reason"] == "the session already has a cost sheet"
    assert len(await sheets_of_session(consumer, auth(), body["data"]["session_id"])) == 1
    invoices = await all_invoices(consumer, auth())
    assert [i["number"] for i in invoices] == [f"PDV-{YEAR}-00001", f"PDV-{YEAR}-00002"]


async def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_changes_nothing(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth())
    body = closed(org, facilitator, [attendee("Anna Bakker")])
    session = body["data"]["session_id"]

    forged = await deliver(consumer, body, secret=webhooks.new_secret())
    stale = await deliver(consumer, body, timestamp=int(time.time()) - 301)
    unsigned = await consumer.post("/internal/events", content=msgspec.json.encode(body))

    for response in (forged, stale, unsigned):
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["errors"][0]["rule"] == "webhook_signature"
    assert stale.json()["errors"][0]["rule"] == "webhook_timestamp"
    assert await sheets_of_session(consumer, auth(), session) == []
    # A refused delivery is not recorded: the genuine one is applied.
    assert (await deliver(consumer, body)).json()["status"] == "applied"


async def test_a_malformed_event_is_a_400(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth())
    body = closed(org, facilitator, [attendee("Anna Bakker")])
    del body["data"]["starts_at"]
    missing = await deliver(consumer, body)
    not_json = await deliver(consumer, b"{not json")
    no_org = await deliver(consumer, {k: v for k, v in body.items() if k != "org_id"})
    for response in (missing, not_json, no_org):
        assert response.status_code == 400, response.text
    # Not recorded: once repaired (same id), it is applied.
    body["data"]["starts_at"] = STARTS
    assert (await deliver(consumer, body)).json()["status"] == "applied"


async def test_cancelling_a_closed_session_credits_its_invoices_to_a_zero_balance(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), auto_issue=True, kvk_number=kvk_number())
    work = await billed_employer(consumer, auth())
    people = [attendee(f"Deelnemer {n}", employer_id=work) for n in range(1, 4)]
    closing = closed(org, facilitator, people)
    assert (await deliver(consumer, closing)).json()["status"] == "applied"
    [sheet] = await sheets_of_session(consumer, auth(), closing["data"]["session_id"])
    invoices = await invoices_of(consumer, auth(), sheet["id"])
    paid = await consumer.post(
        f"/v1/invoices/{invoices[0]['id']}/payment", json={"paid_on": "2026-11-23"}, headers=auth()
    )
    assert paid.status_code == 200, paid.text

    cancel = cancelled(closing)
    response = await deliver(consumer, cancel)
    again = await deliver(consumer, cancel)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "applied"
    assert len(response.json()["invoice_ids"]) == 3
    assert again.json()["status"] == "duplicate"
    after = await invoices_of(consumer, auth(), sheet["id"])
    originals = [i for i in after if i["kind"] == "invoice"]
    notes = [i for i in after if i["kind"] == "credit_note"]
    assert [i["id"] for i in originals] == [i["id"] for i in invoices]  # never deleted
    assert {i["status"] for i in originals} == {"credited"}
    assert sorted(n["credits_number"] for n in notes) == [i["number"] for i in invoices]
    assert sum(i["total_cents"] for i in after) == 0
    assert [i["number"] for i in await all_invoices(consumer, auth())] == [
        f"PDV-{YEAR}-{n:05d}" for n in range(1, 7)
    ]
    reconciliation = await consumer.get(
        f"/v1/cost-sheets/{sheet['id']}/reconciliation", headers=auth()
    )
    assert reconciliation.json()["invoiced_cents"] + reconciliation.json()["credited_cents"] == 0


async def test_cancelling_discards_drafts_and_credits_what_was_issued(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), kvk_number=kvk_number())
    work = await billed_employer(consumer, auth())
    people = [attendee(f"Deelnemer {n}", employer_id=work) for n in range(1, 3)]
    people.append(attendee("Deelnemer 3"))  # nobody to bill: held
    closing = closed(org, facilitator, people)
    assert (await deliver(consumer, closing)).json()["status"] == "applied"
    [sheet] = await sheets_of_session(consumer, auth(), closing["data"]["session_id"])
    drafts = await invoices_of(consumer, auth(), sheet["id"])
    assert drafts[2]["status"] == "needs_debtor"
    issued = await consumer.post(f"/v1/invoices/{drafts[1]['id']}/issue", headers=auth())
    assert issued.status_code == 200, issued.text

    response = await deliver(consumer, cancelled(closing))

    assert response.json()["reason"] == "1 invoices credited, 2 drafts discarded"
    after = await invoices_of(consumer, auth(), sheet["id"])
    assert [(i["kind"], i["status"], i["number"]) for i in after] == [
        ("invoice", "credited", f"PDV-{YEAR}-00001"),
        ("credit_note", "issued", f"PDV-{YEAR}-00002"),
    ]
    assert sum(i["total_cents"] for i in after) == 0


async def test_a_closing_replayed_after_its_cancellation_bills_nothing(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = uuid.uuid4()  # no billing profile yet
    closing = closed(org, facilitator, [attendee("Anna Bakker")])
    held = await deliver(consumer, closing)
    assert held.json() == {
        "status": "held",
        "reason": f"facilitator {facilitator} has no billing profile",
        "cost_sheet_id": None,
        "invoice_ids": [],
    }
    assert len(await unbilled(consumer, auth())) == 1
    assert (await deliver(consumer, cancelled(closing))).json()["status"] == "applied"
    assert await unbilled(consumer, auth()) == []  # a cancelled session waits no more
    await consumer.put(f"/v1/billing-profiles/{facilitator}", json=PROFILE, headers=auth())
    replayed = await deliver(consumer, event(org, "session.closed", *closing_of(closing)))
    assert replayed.json()["status"] == "ignored"
    assert await sheets_of_session(consumer, auth(), closing["data"]["session_id"]) == []


def closing_of(closing: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A closing's aggregate and data, to send it again as a new event (a replay)."""
    return closing["aggregate_id"], closing["data"]


async def unbilled(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/v1/unbilled-sessions", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def feed_types(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/v1/events", params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    return [e["type"] for e in response.json()["items"]]


async def test_without_a_billing_profile_a_closing_waits_with_its_reason_until_billed(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = uuid.uuid4()
    closing = closed(org, facilitator, [attendee("Anna Bakker")])
    session_id = closing["data"]["session_id"]
    assert (await deliver(consumer, closing)).json()["status"] == "held"
    assert (await deliver(consumer, closing)).json()["status"] == "duplicate"

    [waiting] = await unbilled(consumer, auth())
    assert waiting["session_id"] == session_id
    assert waiting["facilitator_id"] == str(facilitator)
    assert waiting["group_name"] == "Intervisiegroep Noord"
    assert waiting["rule"] == "billing_profile_required"
    assert await feed_types(consumer, auth()) == ["session.unbilled"]
    path = f"/v1/unbilled-sessions/{waiting['id']}"
    assert (await consumer.get(path, headers=auth())).json() == waiting
    other = auth("facilitator", person=str(uuid.uuid4()))
    assert await unbilled(consumer, other) == []
    assert (await consumer.get(path, headers=other)).status_code == 404
    own = auth("facilitator", person=str(facilitator))
    assert await unbilled(consumer, own) == [waiting]
    # The facilitator bills the attendee of its waiting session, so it may record who pays for
    # them (ADR 0102); another facilitator may not.
    billing = f"/v1/debtors/for-person/{closing['data']['attendees'][0]['person_id']}"
    employer_pays = {"pays": "employer"}
    assert (await consumer.put(billing, json=employer_pays, headers=other)).status_code == 404
    chose = await consumer.put(billing, json=employer_pays, headers=own)
    assert chose.status_code == 201, chose.text

    refused = await consumer.post(f"{path}/bill", headers=own)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["rule"] == "billing_profile_required"

    response = await consumer.put(
        f"/v1/billing-profiles/{facilitator}", json=PROFILE, headers=auth()
    )
    assert response.status_code == 201
    billed = await consumer.post(f"{path}/bill", headers=own)
    assert billed.status_code == 200, billed.text
    [sheet] = await sheets_of_session(consumer, auth(), session_id)
    assert billed.json()["cost_sheet_id"] == sheet["id"]
    assert len(billed.json()["invoice_ids"]) == 1
    assert await unbilled(consumer, auth()) == []
    assert (await consumer.post(f"{path}/bill", headers=own)).status_code == 404
    assert (await deliver(consumer, closing)).json()["status"] == "duplicate"


async def test_nobody_to_bill_is_held_with_nothing_of_its_sheet_written(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth())
    closing = closed(org, facilitator, [attendee("Anna Bakker", "absent")])
    response = await deliver(consumer, closing)
    assert response.json()["status"] == "held"
    assert "sharers" in response.json()["reason"]
    [waiting] = await unbilled(consumer, auth())
    assert waiting["rule"] == "sharers"
    assert await sheets_of_session(consumer, auth(), closing["data"]["session_id"]) == []
    still = await consumer.post(f"/v1/unbilled-sessions/{waiting['id']}/bill", headers=auth())
    assert still.status_code == 422
    assert still.json()["errors"][0]["rule"] == "sharers"
    assert await unbilled(consumer, auth()) == [waiting]


async def test_other_event_types_are_ignored_once(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    session = str(uuid.uuid4())
    body = event(
        org,
        "attendance.confirmed",
        session,
        {"session_id": session, "person_id": str(uuid.uuid4()), "confirmed_at": STARTS},
    )
    first = await deliver(consumer, body)
    again = await deliver(consumer, body)
    planned = await deliver(
        consumer,
        event(
            org,
            "session.cancelled",
            session,
            {
                "session_id": session,
                "group_id": session,
                "reason": "ziek",
                "previous_status": "planned",
            },
        ),
    )
    assert (first.status_code, first.json()["status"]) == (200, "ignored")
    assert again.json()["status"] == "duplicate"
    assert planned.json()["status"] == "ignored"
    assert await all_invoices(consumer, auth()) == []


async def test_concurrent_redeliveries_apply_once(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth(), auto_issue=True, kvk_number=kvk_number())
    work = await billed_employer(consumer, auth())
    people = [attendee("Anna Bakker", employer_id=work), attendee("Bram de Jong", employer_id=work)]
    body = closed(org, facilitator, people)
    responses = await asyncio.gather(*(deliver(consumer, body) for _ in range(4)))
    assert sorted(r.json()["status"] for r in responses) == ["applied"] + ["duplicate"] * 3
    assert [i["number"] for i in await all_invoices(consumer, auth())] == [
        f"PDV-{YEAR}-00001",
        f"PDV-{YEAR}-00002",
    ]


async def test_a_session_closed_with_its_own_room_and_km_is_billed_with_those_figures(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(
        consumer, auth(), travel_minutes=45, travel_km=38, location_cost_cents=9500
    )
    people = [attendee(f"Deelnemer {n}") for n in range(1, 4)]
    body = closed(org, facilitator, people, costs=ROOM_AND_KM)

    assert (await deliver(consumer, body)).json()["status"] == "applied"

    [sheet] = await sheets_of_session(consumer, auth(), body["data"]["session_id"])
    assert (sheet["preparation_minutes"], sheet["travel_minutes"]) == (0, 45)  # 45: the default
    assert (sheet["travel_km"], sheet["location_cents"]) == (54, 12000)
    assert [(line["kind"], line["amount_cents"]) for line in sheet["lines"]] == [
        ("facilitation", 31250),
        ("travel_time", 9375),
        ("travel_costs", 1242),
        ("location", 12000),
    ]
    assert sheet["lines"][3]["description"] == "Zaal De Observant"
    invoices = await invoices_of(consumer, auth(), sheet["id"])
    assert amounts_per_kind(invoices) == amounts_per_kind([sheet])
    assert [i["subtotal_cents"] for i in invoices] == [17956, 17956, 17955]
    assert any("Zaal De Observant" in line["description"] for line in invoices[0]["lines"])


async def test_the_extra_cent_follows_join_order_not_names_and_a_revision_keeps_it(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth())
    anna, bram, cor = attendee("Anna Aal"), attendee("Bram Bos"), attendee("Cor Zwart")
    joined = [cor["person_id"], anna["person_id"], bram["person_id"]]
    costs = {"preparation_minutes": 0, "travel_minutes": 0, "travel_km": 0, "location_cents": 9500}
    body = closed(org, facilitator, [anna, bram, cor], members=joined, costs=costs)

    assert (await deliver(consumer, body)).json()["status"] == "applied"

    [sheet] = await sheets_of_session(consumer, auth(), body["data"]["session_id"])
    assert sheet["total_cents"] == 40750  # 3 x 13583, and one cent left over
    invoices = await invoices_of(consumer, auth(), sheet["id"])
    assert [(i["participant_name"], i["subtotal_cents"]) for i in invoices] == [
        ("Cor Zwart", 13584),  # joined first
        ("Anna Aal", 13583),
        ("Bram Bos", 13583),
    ]
    revised = await consumer.put(
        f"/v1/cost-sheets/{sheet['id']}", json={"location_cents": 9501}, headers=auth()
    )
    assert revised.status_code == 200, revised.text
    after = await invoices_of(consumer, auth(), sheet["id"])
    assert [(i["participant_name"], i["subtotal_cents"]) for i in after] == [
        ("Cor Zwart", 13584),
        ("Anna Aal", 13584),
        ("Bram Bos", 13583),
    ]


async def test_an_event_with_costs_out_of_bounds_is_malformed(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(consumer, auth())
    body = closed(org, facilitator, [attendee("Anna Bakker")], costs={"travel_km": -1})
    response = await deliver(consumer, body)
    assert response.status_code == 400, response.text
    assert await sheets_of_session(consumer, auth(), body["data"]["session_id"]) == []


async def test_with_auto_issue_whom_nobody_pays_for_waits_and_is_issued_once_linked(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    facilitator = await profile(
        consumer, auth(), auto_issue=True, invoice_prefix="WAIT", kvk_number=kvk_number()
    )
    work, unlinked = await billed_employer(consumer, auth()), uuid.uuid4()
    people = [
        attendee("Anna Bakker", employer_id=work),
        attendee("Bram de Jong", employer_id=str(unlinked)),
        attendee("Carla Smit", employer_id=work),
    ]
    result = (await deliver(consumer, closed(org, facilitator, people))).json()

    invoices = await invoices_of(consumer, auth(), result["cost_sheet_id"])
    assert [i["id"] for i in invoices] == result["invoice_ids"]  # made, issued or not
    assert [(i["status"], i["number"]) for i in invoices] == [
        ("issued", f"WAIT-{YEAR}-00001"),
        ("needs_debtor", None),
        ("issued", f"WAIT-{YEAR}-00002"),
    ]
    written = await link(consumer, auth(), unlinked, {**MUNICIPALITY, "name": "Zorggroep"})
    assert written["released"] == [invoices[1]["id"]]
    [_, bram, _] = await invoices_of(consumer, auth(), result["cost_sheet_id"])
    assert (bram["status"], bram["number"], bram["buyer"]["name"]) == (
        "issued",
        f"WAIT-{YEAR}-00003",
        "Zorggroep",
    )
