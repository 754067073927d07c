"""Builders shared by the invoicing tests: a billing profile, a cost sheet, issued invoices.

A cost sheet sent to invoicing must name a session scheduling knows: the facilitator of a
profile and the session of a sheet are made in the real scheduling the test client reaches
at ``SCHEDULING_URL`` (``tests.conftest.invoicing_client``)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from services.cli import ROOT
from services.invoicing.invoices.rules import AMSTERDAM
from tests.conftest import SCHEDULING_URL

PEPPOL = ROOT.parent / "shared" / "peppol"


def today() -> date:
    """The issue date of an invoice issued now."""
    return datetime.now(AMSTERDAM).date()


_KVK_NUMBERS = itertools.count(20_000_000)


def kvk_number() -> str:
    """A KvK number no other profile of this test process has: a supplier with its own series.

    ``PROFILE``'s KvK number is one supplier across every test's tenant, so one counter."""
    return str(next(_KVK_NUMBERS))


PROFILE: dict[str, Any] = {
    "legal_name": "Praktijk de Vries",
    "street": "Oudegracht 1",
    "postal_code": "3511 AA",
    "city": "Utrecht",
    "kvk_number": "12345678",
    "btw_id": "NL000099998B57",
    "iban": "NL91 ABNA 0417 1643 00",
    "bic": "ABNANL2A",
    "email": "facturen@praktijkdevries.nl",
    "invoice_prefix": "PDV",
}

MUNICIPALITY: dict[str, Any] = {
    "name": "Gemeente Utrecht",
    "street": "Stadsplateau 1",
    "postal_code": "3521 AZ",
    "city": "Utrecht",
    "peppol_scheme": "0190",
    "peppol_id": "00000001002220647000",
    "buyer_reference": "KP-4711",
}


ROOM_AND_KM: dict[str, Any] = {
    "preparation_minutes": 0,
    "travel_minutes": None,
    "travel_km": 54,
    "location_cents": 12000,
    "location_description": "Zaal De Observant",
    "other_cents": None,
    "other_description": None,
}
"""A closed session's `costs` as scheduling sends them: no preparation, travel time left out
(the profile's default), its own room and kilometres."""


def person_debtor(name: str) -> dict[str, Any]:
    return {"name": name, "street": "Lange Nieuwstraat 2", "postal_code": "3512 PA",
            "city": "Utrecht"}  # fmt: skip


def participants(count: int, *, employer: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    names = [f"Deelnemer {i + 1}" for i in range(count)]
    return [
        {
            "person_id": str(uuid.uuid4()),
            "name": name,
            "debtor": employer or person_debtor(name),
        }
        for name in names
    ]


def cost_sheet(facilitator: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "session_id": str(uuid.uuid4()),
        "facilitator_id": str(facilitator),
        "session_starts_at": "2026-11-20T13:30:00+01:00",
        "session_ends_at": "2026-11-20T16:00:00+01:00",
        "preparation_minutes": 60,
        "travel_minutes": 45,
        "travel_km": 38,
        "location_cents": 9500,
        "participants": participants(8, employer=MUNICIPALITY),
        **changes,
    }


def _made(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
    made: dict[str, Any] = response.json()
    return made


async def facilitator(client: httpx.AsyncClient, admin: dict[str, str]) -> uuid.UUID:
    """A facilitator in the scheduling beside invoicing (``SCHEDULING_URL``), with a group of
    their own to plan sessions in; the person's id."""
    key = f"fac-{uuid.uuid4().hex[:12]}"
    person = _made(
        await client.put(
            f"{SCHEDULING_URL}/v1/people/by-external-id/{key}",
            json={"given_name": "Femke", "family_name": "de Vries"},
            headers=admin,
        )
    )
    _made(
        await client.put(f"{SCHEDULING_URL}/v1/facilitators/{person['id']}", json={}, headers=admin)
    )
    group = {
        "name": "Intervisiegroep Noord",
        "facilitator_id": person["id"],
        "mode": "in_person",
        "location": "Utrecht",
        "agreement": {"ground_rules": "Op tijd.", "confidentiality": "Alles blijft hier."},
    }
    _made(await client.post(f"{SCHEDULING_URL}/v1/groups", json=group, headers=admin))
    return uuid.UUID(person["id"])


async def session(
    client: httpx.AsyncClient, headers: dict[str, str], facilitator: uuid.UUID
) -> str:
    """A session planned in scheduling for the facilitator's group (by an admin or the
    facilitator), a day after the group's last one, so that none overlaps another."""
    groups = _made(
        await client.get(
            f"{SCHEDULING_URL}/v1/groups",
            params={"facilitator_id": str(facilitator)},
            headers=headers,
        )
    )
    group_id = groups["items"][0]["id"]
    planned = _made(
        await client.get(
            f"{SCHEDULING_URL}/v1/sessions",
            params={"group_id": group_id, "limit": 200},
            headers=headers,
        )
    )
    day = date(2027, 1, 4) + timedelta(days=len(planned["items"]))
    plan = {"group_id": group_id, "start": f"{day}T13:30", "end": f"{day}T16:00"}
    made = _made(await client.post(f"{SCHEDULING_URL}/v1/sessions", json=plan, headers=headers))
    return str(made["sessions"][0]["id"])


async def profile(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> uuid.UUID:
    """A facilitator (:func:`facilitator`) with a billing profile; their id."""
    made = await facilitator(client, headers)
    response = await client.put(
        f"/v1/billing-profiles/{made}", json={**PROFILE, **changes}, headers=headers
    )
    assert response.status_code == 201, response.text
    return made


async def sheet(
    client: httpx.AsyncClient, headers: dict[str, str], facilitator: uuid.UUID, **changes: Any
) -> dict[str, Any]:
    """A cost sheet recorded for a session planned for it in scheduling (unless ``changes``
    name the session)."""
    if "session_id" not in changes:
        changes["session_id"] = await session(client, headers, facilitator)
    response = await client.post(
        "/v1/cost-sheets", json=cost_sheet(facilitator, **changes), headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def amounts_per_kind(invoices: list[dict[str, Any]]) -> dict[str, int]:
    """The lines of invoices (or of a cost sheet) added up per cost type: those of a sheet's
    invoices are the sheet's own when its split is exact."""
    totals: dict[str, int] = {}
    for invoice in invoices:
        for line in invoice["lines"]:
            totals[line["kind"]] = totals.get(line["kind"], 0) + line["amount_cents"]
    return totals


async def invoices_of(
    client: httpx.AsyncClient, headers: dict[str, str], sheet_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/invoices", params={"cost_sheet_id": sheet_id, "limit": 200}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def issued(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    buyer: dict[str, Any] = MUNICIPALITY,
    **profile_changes: Any,
) -> dict[str, Any]:
    """One issued invoice of a fresh facilitator, to ``buyer``."""
    facilitator = await profile(client, headers, **profile_changes)
    people = participants(8, employer=buyer)
    created = await sheet(client, headers, facilitator, participants=people)
    first = (await invoices_of(client, headers, created["id"]))[0]
    response = await client.post(f"/v1/invoices/{first['id']}/issue", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def credit(
    client: httpx.AsyncClient, headers: dict[str, str], invoice_id: str
) -> dict[str, Any]:
    """The credit note of an issued (or paid) invoice."""
    response = await client.post(f"/v1/invoices/{invoice_id}/credit-note", headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
