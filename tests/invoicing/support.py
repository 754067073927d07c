"""Builders shared by the invoicing tests: a billing profile, a cost sheet, issued invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import httpx

from services.cli import ROOT
from services.invoicing.invoices.rules import AMSTERDAM

PEPPOL = ROOT.parent / "shared" / "peppol"


def today() -> date:
    """The issue date of an invoice issued now."""
    return datetime.now(AMSTERDAM).date()


PROFILE: dict[str, Any] = {
    "legal_name": "Praktijk de Vries",
    "street": "Oudegracht 1",
    "postal_code": "3511 AA",
    "city": "Utrecht",
    "kvk_number": "12345678",
    "btw_id": "NL000099998B57",
    "iban": "NL91 ABNA 0417 1643 00",
    "bic": "ABNANL2A",
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


async def profile(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> uuid.UUID:
    facilitator = uuid.uuid4()
    response = await client.put(
        f"/v1/billing-profiles/{facilitator}", json={**PROFILE, **changes}, headers=headers
    )
    assert response.status_code == 201, response.text
    return facilitator


async def sheet(
    client: httpx.AsyncClient, headers: dict[str, str], facilitator: uuid.UUID, **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/cost-sheets", json=cost_sheet(facilitator, **changes), headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


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
    client: httpx.AsyncClient, headers: dict[str, str], **profile_changes: Any
) -> dict[str, Any]:
    """One issued invoice of a fresh facilitator."""
    facilitator = await profile(client, headers, **profile_changes)
    created = await sheet(client, headers, facilitator)
    first = (await invoices_of(client, headers, created["id"]))[0]
    response = await client.post(f"/v1/invoices/{first['id']}/issue", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
