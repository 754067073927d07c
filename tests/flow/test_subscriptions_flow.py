"""Webhook subscriptions made through the API, delivered by the three processes to receivers on
this machine (loopback is allowed in the test configuration): every delivery verified with the
``standardwebhooks`` library, each event once, in order per aggregate, none missing; and an HR
client's subscription receives exactly what its token reads in the feed, never another client
organisation's people."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx
import msgspec

from services.kit import outbox, webhooks
from tests.flow.platform import Platform
from tests.flow.support import eventually, member, ok, supervised_group
from tests.invoicing.support import MUNICIPALITY, PROFILE
from tests.kit.relay.support import Receiver
from tests.servers import ThreadedServer

SCHEDULING = ["session.scheduled", "session.rescheduled", "session.closed", "session.cancelled"]
INVOICING = ["invoice.issued"]
EXPECTED = {"scheduling": 3 + 1 + 1 + 2, "invoicing": 2 * 2}
"""Three sessions planned, one rescheduled, one cancelled, two closed; and two invoices issued
per closed session (the employees of A, whose employer has a debtor; B's wait for one)."""


async def feed(api: httpx.AsyncClient, types: list[str]) -> list[outbox.Event]:
    """The caller's whole event feed of ``types``, oldest first."""
    events: list[outbox.Event] = []
    after: str | None = None
    while True:
        page = ok(await api.get("/v1/events", params={"cursor": after} if after else {}))
        events += [msgspec.convert(e, outbox.Event) for e in page["items"] if e["type"] in types]
        if page["next_cursor"] == after:
            return events
        after = page["next_cursor"]


async def subscribe(
    api: httpx.AsyncClient, headers: dict[str, str], url: str, types: list[str], secret: str
) -> str:
    body = {"url": url, "event_types": types, "secret": secret}
    created = ok(await api.post("/v1/webhook-subscriptions", json=body, headers=headers))
    assert created["secret"] == secret
    return str(created["id"])


def _by_aggregate(events: list[outbox.Event]) -> dict[uuid.UUID, list[uuid.UUID]]:
    order: dict[uuid.UUID, list[uuid.UUID]] = {}
    for event in events:
        order.setdefault(event.aggregate_id, []).append(event.id)
    return order


def assert_received_exactly(receiver: Receiver, expected: list[outbox.Event]) -> None:
    """Each expected event arrived once, verified, as the feed shows it, in its aggregate's
    order; nothing else arrived."""
    assert receiver.refused == 0
    ids = [event.id for event in receiver.events]
    assert len(ids) == len(set(ids)), "an event arrived twice"
    assert sorted(map(str, ids)) == sorted(str(event.id) for event in expected)
    assert _by_aggregate(receiver.events) == _by_aggregate(expected)
    shown = {event.id: event for event in expected}
    assert all(event == shown[event.id] for event in receiver.events)


def people_of(event: outbox.Event) -> set[str | None]:
    """The employers of the people an event names."""
    data = event.data
    listed = [*data.get("attendees", []), *data.get("members", [])]
    employers = {person.get("employer_id") for person in listed}
    if "client_organisation_id" in data:
        employers.add(data["client_organisation_id"])
    return employers


async def build(scheduling: httpx.AsyncClient, invoicing: httpx.AsyncClient) -> dict[str, Any]:
    """Client organisations A (with a debtor) and B, and a group of two of A's people and one of
    B's led by a facilitator whose invoices are issued at once."""
    ids = {}
    for key in ("a", "b"):
        body = {
            "name": f"Gemeente {key.upper()}",
            "kvk_number": f"{random.randrange(10**7, 10**8)}",
        }
        path = f"/v1/client-organisations/by-external-id/{key}"
        ids[key] = str(ok(await scheduling.put(path, json=body))["id"])
    ok(await invoicing.put(f"/v1/debtors/for-client-organisation/{ids['a']}", json=MUNICIPALITY))
    group_id = await supervised_group(scheduling, "Subscribers")
    fac = ok(await scheduling.get(f"/v1/groups/{group_id}"))["facilitator_id"]
    profile = {**PROFILE, "auto_issue": True, "invoice_prefix": "SUBS",
               "kvk_number": f"{random.randrange(10**7, 10**8)}"}  # fmt: skip
    ok(await invoicing.put(f"/v1/billing-profiles/{fac}", json=profile))
    people = [
        await member(scheduling, group_id, key, employer_id=ids[employer])
        for key, employer in (("anna", "a"), ("arie", "a"), ("bart", "b"))
    ]
    return {"group_id": group_id, "people": people, **ids}


async def sessions_happen(api: httpx.AsyncClient, group_id: str, people: list[str]) -> None:
    """Three sessions planned; the first moved, then closed; the second cancelled; the third
    closed."""
    planned = []
    for day in ("2025-04-01", "2025-04-08", "2025-04-15"):
        body = {"group_id": group_id, "start": f"{day}T19:00", "end": f"{day}T21:00"}
        planned.append(ok(await api.post("/v1/sessions", json=body))["sessions"][0]["id"])
    moved = {"start": "2025-04-02T19:00", "end": "2025-04-02T21:00", "reason": "Zaal bezet."}
    ok(await api.post(f"/v1/sessions/{planned[0]}/reschedule", json=moved))
    ok(await api.post(f"/v1/sessions/{planned[1]}/cancel", json={"reason": "Ziekte."}))
    for session_id in (planned[0], planned[2]):
        for person_id in people:
            attendance = f"/v1/sessions/{session_id}/attendance/{person_id}"
            ok(await api.put(attendance, json={"status": "present"}))
        ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))


async def test_subscribers_get_every_event_once_in_order_and_hr_only_its_people(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    secrets = {name: webhooks.new_secret() for name in ("admin", "a", "b")}
    received = {name: Receiver(secret) for name, secret in secrets.items()}
    with ExitStack() as stack:
        urls = {n: stack.enter_context(ThreadedServer(r)).url for n, r in received.items()}
        apis = {
            name: httpx.AsyncClient(base_url=platform.urls[name], headers=admin, timeout=30)
            for name in ("scheduling", "invoicing")
        }
        async with apis["scheduling"] as scheduling, apis["invoicing"] as invoicing:
            made = await build(scheduling, invoicing)
            hr = {k: token_for(org, "hr", client_org=made[k], ttl=3600) for k in ("a", "b")}
            billing = {}
            for name, headers in (("admin", admin), ("a", hr["a"]), ("b", hr["b"])):
                url = f"{urls[name]}/hooks"
                await subscribe(scheduling, headers, url, SCHEDULING, secrets[name])
                billing[name] = await subscribe(invoicing, headers, url, INVOICING, secrets[name])
            await sessions_happen(scheduling, made["group_id"], made["people"])

            async def everything() -> list[outbox.Event] | None:
                events = [*await feed(scheduling, SCHEDULING), *await feed(invoicing, INVOICING)]
                counted = {
                    "scheduling": sum(e.type in SCHEDULING for e in events),
                    "invoicing": sum(e.type in INVOICING for e in events),
                }
                arrived = len(received["admin"].events) >= len(events)
                return events if counted == EXPECTED and arrived else None

            expected = await eventually(everything, seconds=90)
            assert expected, "not every event was delivered to the admin's subscription"
            await asyncio.sleep(1.0)  # long enough for a second delivery of any, were there one
            assert_received_exactly(received["admin"], expected)

            for key, other in (("a", "b"), ("b", "a")):
                views = {
                    name: httpx.AsyncClient(base_url=platform.urls[name], headers=hr[key])
                    for name in ("scheduling", "invoicing")
                }
                async with views["scheduling"] as mine, views["invoicing"] as billed:
                    own = [*await feed(mine, SCHEDULING), *await feed(billed, INVOICING)]
                assert own, f"client organisation {key} sees none of its people's events"
                assert_received_exactly(received[key], own)
                assert all(made[other] not in people_of(e) for e in received[key].events)
                assert all(people_of(e) <= {made[key]} for e in received[key].events)
            closed_for_b = [e for e in received["b"].events if e.type == "session.closed"]
            assert [len(e.data["attendees"]) for e in closed_for_b] == [1, 1]
            assert not [e for e in received["b"].events if e.type == "invoice.issued"]
            log = f"/v1/webhook-subscriptions/{billing['b']}/deliveries"
            kept = ok(await invoicing.get(log))["items"]  # the admin's view of B's log
            assert [(d["status"], d["attempts"]) for d in kept] == [("skipped", 0)] * 4
            assert ok(await invoicing.get(log, headers=hr["b"]))["items"] == []  # not even ids
