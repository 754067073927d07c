"""The events scheduling and invoicing send match the webhooks of their published contracts."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from services.cli import ROOT
from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import events


def webhook_validator(
    event_type: str, service: str = "scheduling"
) -> jsonschema.protocols.Validator:
    contract = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    schema: dict[str, Any] = contract["webhooks"][event_type]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    document = {**schema, "components": contract["components"]}
    return jsonschema.Draft202012Validator(document, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("event_type", ["session.scheduled", "session.closed", "session.cancelled"])
async def test_sent_events_match_the_contract(
    scheduling: httpx.AsyncClient, auth: Token, event_type: str
) -> None:
    _, session = await closed_session(scheduling, auth)
    cancelled = await scheduling.post(
        f"/v1/sessions/{session['id']}/cancel",
        json={"reason": "Held in error"},
        headers=auth("admin"),
    )
    assert cancelled.status_code == 200, cancelled.text
    items, _ = await events(scheduling, auth, expect=4)
    sent = [e for e in items if e["type"] == event_type]
    assert sent, f"no {event_type} event"
    errors = list(webhook_validator(event_type).iter_errors(sent[0]))
    assert errors == [], [e.message for e in errors]


async def test_invoice_events_match_the_contract(invoicing: httpx.AsyncClient, auth: Token) -> None:
    from tests.invoicing.support import issued

    invoice = await issued(invoicing, auth())
    path = f"/v1/invoices/{invoice['id']}"
    paid = await invoicing.post(path + "/payment", json={"paid_on": "2026-12-01"}, headers=auth())
    credited = await invoicing.post(path + "/credit-note", headers=auth())
    assert (paid.status_code, credited.status_code) == (200, 201)
    items, _ = await events(invoicing, auth, expect=3)
    assert [e["type"] for e in items] == ["invoice.issued", "invoice.paid", "invoice.credited"]
    for event in items:
        errors = list(webhook_validator(event["type"], "invoicing").iter_errors(event))
        assert errors == [], [e.message for e in errors]
    assert not webhook_validator("invoice.credited", "invoicing").is_valid(
        {**items[2], "data": {**items[2]["data"], "paid_on": "yesterday"}}
    )


def test_the_contract_rejects_what_it_must() -> None:
    """The validator is not vacuous: a closed event without its attendees is refused."""
    validator = webhook_validator("session.closed")
    assert not validator.is_valid({"type": "session.closed", "data": {"session_id": "x"}})


async def test_consumers_decode_what_scheduling_sends(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """Each consumer's own decoding Structs take the real events, field by field."""
    import msgspec

    from services.accreditation.events import schemas as accreditation
    from services.invoicing.events import schemas as invoicing

    _, session = await closed_session(scheduling, auth)
    await scheduling.post(
        f"/v1/sessions/{session['id']}/cancel",
        json={"reason": "Held in error"},
        headers=auth("admin"),
    )
    items, _ = await events(scheduling, auth, expect=4)
    by_type = {e["type"]: e["data"] for e in items}
    closed, cancelled = by_type["session.closed"], by_type["session.cancelled"]

    for shape in (accreditation.SessionClosedData, invoicing.SessionClosed):
        decoded = msgspec.convert(closed, shape, strict=False)
        assert str(decoded.session_id) == session["id"]
        assert len(decoded.attendees) == len(closed["attendees"])
    for shape in (accreditation.SessionCancelledData, invoicing.SessionCancelled):
        decoded = msgspec.convert(cancelled, shape, strict=False)
        assert decoded.previous_status == "closed"


async def test_a_sent_person_updated_matches_the_contract(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {"given_name": "Anna", "family_name": "de Vries"}
    for registered_on in (None, "2021-06-01"):
        registration = {"register": "SKJ", "number": "110012345", "registered_on": registered_on}
        put = await scheduling.put(
            "/v1/people/by-external-id/hr-anna",
            json={**body, "registrations": [registration]},
            headers=auth("admin"),
        )
        assert put.status_code in (200, 201), put.text
    (sent,) = (await events(scheduling, auth))[0]
    assert sent["type"] == "person.updated"
    errors = list(webhook_validator("person.updated").iter_errors(sent))
    assert errors == [], [e.message for e in errors]
    assert not webhook_validator("person.updated").is_valid(
        {**sent, "data": {"person_id": sent["aggregate_id"]}}
    )
