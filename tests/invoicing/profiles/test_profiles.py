"""Billing profiles through the HTTP API, on the real database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from services.invoicing.profiles.rules import DEFAULT_EXEMPTION_TEXT
from tests.conftest import Token

PROFILE: dict[str, Any] = {
    "legal_name": "Praktijk de Vries",
    "street": "Oudegracht 1",
    "postal_code": "3511 AA",
    "city": "Utrecht",
    "kvk_number": "12345678",
    "btw_id": "NL000099998B57",
    "iban": "NL91 ABNA 0417 1643 00",
    "invoice_prefix": "PDV",
}


def path(facilitator_id: uuid.UUID | str) -> str:
    return f"/v1/billing-profiles/{facilitator_id}"


async def test_upsert_is_idempotent_and_fills_defaults(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = uuid.uuid4()
    first = await invoicing.put(path(facilitator), json=PROFILE, headers=auth("admin"))
    second = await invoicing.put(path(facilitator), json=PROFILE, headers=auth("admin"))

    assert (first.status_code, second.status_code) == (201, 200), first.text
    assert first.json() == second.json()
    profile = first.json()
    assert profile["facilitator_id"] == str(facilitator)
    assert profile["iban"] == "NL91ABNA0417164300"
    assert profile["country_code"] == "NL"
    assert (profile["hourly_rate_cents"], profile["rate_per_km_cents"]) == (12500, 23)
    assert (profile["btw_mode"], profile["exemption_text"]) == ("standard", None)
    assert profile["payment_term_days"] == 30
    fetched = await invoicing.get(path(facilitator), headers=auth("admin"))
    assert fetched.json() == profile


async def test_upsert_changes_move_updated_at(invoicing: httpx.AsyncClient, auth: Token) -> None:
    facilitator = uuid.uuid4()
    first = (await invoicing.put(path(facilitator), json=PROFILE, headers=auth())).json()
    changed = await invoicing.put(
        path(facilitator), json={**PROFILE, "hourly_rate_cents": 13000}, headers=auth()
    )
    assert changed.status_code == 200
    assert changed.json()["id"] == first["id"]
    assert changed.json()["hourly_rate_cents"] == 13000
    assert changed.json()["updated_at"] > first["updated_at"]
    assert changed.json()["created_at"] == first["created_at"]


async def test_invalid_iban_checksum_is_a_422_naming_field_and_rule(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    response = await invoicing.put(
        path(uuid.uuid4()), json={**PROFILE, "iban": "NL91ABNA0417164301"}, headers=auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:kring:problem:rule-violation"
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("body.iban", "iban_checksum")]


async def test_every_broken_rule_is_named(invoicing: httpx.AsyncClient, auth: Token) -> None:
    response = await invoicing.put(
        path(uuid.uuid4()),
        json={
            **PROFILE,
            "iban": "NL91ABNA041716430",
            "btw_id": "NL123456789B01",
            "exemption_text": "Vrijgesteld",
        },
        headers=auth(),
    )
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.iban", "iban_length"),
        ("body.btw_id", "btw_checksum"),
        ("body.exemption_text", "exemption_text_only_when_exempt"),
    ]


async def test_shapes_are_checked_by_the_wire_format(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    response = await invoicing.put(
        path(uuid.uuid4()), json={**PROFILE, "kvk_number": "1234567"}, headers=auth()
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.kvk_number"
    assert response.json()["errors"][0]["rule"] == "pattern"
    negative = await invoicing.put(
        path(uuid.uuid4()), json={**PROFILE, "hourly_rate_cents": -1}, headers=auth()
    )
    assert negative.status_code == 400
    assert negative.json()["errors"][0]["rule"] == "range"


async def test_exempt_without_text_gets_the_default_text(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = uuid.uuid4()
    exempt = await invoicing.put(
        path(facilitator), json={**PROFILE, "btw_mode": "exempt"}, headers=auth()
    )
    assert exempt.status_code == 201, exempt.text
    assert exempt.json()["exemption_text"] == DEFAULT_EXEMPTION_TEXT
    own_text = "Vrijgesteld van btw (CRKBO)"
    stated = await invoicing.put(
        path(facilitator),
        json={**PROFILE, "btw_mode": "exempt", "exemption_text": own_text},
        headers=auth(),
    )
    assert stated.json()["exemption_text"] == own_text
    standard = await invoicing.put(path(facilitator), json=PROFILE, headers=auth())
    assert (standard.json()["btw_mode"], standard.json()["exemption_text"]) == ("standard", None)


async def test_facilitator_writes_and_reads_only_their_own(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    facilitator = auth("facilitator", person=me)

    mine = await invoicing.put(path(me), json=PROFILE, headers=facilitator)
    assert mine.status_code == 201, mine.text
    assert (await invoicing.get(path(me), headers=facilitator)).status_code == 200

    refused = await invoicing.put(path(other), json=PROFILE, headers=facilitator)
    assert refused.status_code == 403
    await invoicing.put(path(other), json=PROFILE, headers=auth("admin"))
    assert (await invoicing.get(path(other), headers=facilitator)).status_code == 404
    assert (await invoicing.get("/v1/billing-profiles", headers=facilitator)).status_code == 403


async def test_other_roles_are_refused(invoicing: httpx.AsyncClient, auth: Token) -> None:
    facilitator = uuid.uuid4()
    participant = auth("participant", person=facilitator)
    assert (
        await invoicing.put(path(facilitator), json=PROFILE, headers=participant)
    ).status_code == 403
    assert (await invoicing.get(path(facilitator), headers=participant)).status_code == 403
    assert (await invoicing.get(path(facilitator), headers=auth("hr"))).status_code == 403


async def test_another_tenants_profile_is_a_404(
    invoicing: httpx.AsyncClient, auth: Token, token_for: Callable[..., dict[str, str]]
) -> None:
    facilitator = uuid.uuid4()
    await invoicing.put(path(facilitator), json=PROFILE, headers=auth())
    other_tenant = token_for(uuid.uuid4(), "admin")
    assert (await invoicing.get(path(facilitator), headers=other_tenant)).status_code == 404
    listed = await invoicing.get("/v1/billing-profiles", headers=other_tenant)
    assert listed.json()["items"] == []


async def test_pagination_walks_every_profile_once(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    created = []
    for i in range(7):
        response = await invoicing.put(
            path(uuid.uuid4()), json={**PROFILE, "invoice_prefix": f"P{i}"}, headers=auth()
        )
        created.append(response.json()["facilitator_id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await invoicing.get("/v1/billing-profiles", params=params, headers=auth())
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [p["facilitator_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created


async def test_bad_cursor_is_400(invoicing: httpx.AsyncClient, auth: Token) -> None:
    response = await invoicing.get("/v1/billing-profiles", params={"cursor": "***"}, headers=auth())
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "query.cursor"


async def test_session_defaults_for_billing_from_events(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = uuid.uuid4()
    created = (await invoicing.put(path(facilitator), json=PROFILE, headers=auth())).json()
    assert {
        key: created[key]
        for key in (
            "preparation_minutes",
            "travel_minutes",
            "travel_km",
            "location_cost_cents",
            "sharing",
            "auto_issue",
        )
    } == {
        "preparation_minutes": 30,
        "travel_minutes": 0,
        "travel_km": 0,
        "location_cost_cents": 0,
        "sharing": "attendees",
        "auto_issue": False,
    }
    defaults = {
        "preparation_minutes": 45,
        "travel_minutes": 40,
        "travel_km": 30,
        "location_cost_cents": 7500,
        "sharing": "members",
        "auto_issue": True,
    }
    changed = await invoicing.put(path(facilitator), json={**PROFILE, **defaults}, headers=auth())
    assert changed.status_code == 200
    assert {key: changed.json()[key] for key in defaults} == defaults
    assert changed.json()["updated_at"] > created["updated_at"]
    fetched = await invoicing.get(path(facilitator), headers=auth())
    assert fetched.json() == changed.json()


async def test_session_defaults_are_validated(invoicing: httpx.AsyncClient, auth: Token) -> None:
    for field, value in (
        ("preparation_minutes", -1),
        ("travel_minutes", 1441),
        ("location_cost_cents", -5),
        ("sharing", "everyone"),
        ("auto_issue", "yes"),
    ):
        response = await invoicing.put(
            path(uuid.uuid4()), json={**PROFILE, field: value}, headers=auth()
        )
        assert response.status_code == 400, (field, response.text)


async def test_the_contact_e_mail_is_kept_changed_and_checked(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = uuid.uuid4()
    first = (await invoicing.put(path(facilitator), json=PROFILE, headers=auth())).json()
    assert first["email"] is None
    changed = await invoicing.put(
        path(facilitator), json={**PROFILE, "email": "facturen@praktijkdevries.nl"}, headers=auth()
    )
    assert changed.json()["email"] == "facturen@praktijkdevries.nl"
    assert changed.json()["updated_at"] > first["updated_at"]
    broken = await invoicing.put(
        path(facilitator), json={**PROFILE, "email": "praktijkdevries.nl"}, headers=auth()
    )
    assert broken.status_code == 400
    assert [(e["field"], e["rule"]) for e in broken.json()["errors"]] == [("body.email", "pattern")]
