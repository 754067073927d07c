"""Stored debtors through the HTTP API: upserted by external id, a Peppol endpoint checked."""

from __future__ import annotations

import httpx

from tests.conftest import Token

from ..support import MUNICIPALITY
from .support import path


async def test_upsert_is_idempotent_and_moves_updated_at_only_on_change(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    first = await invoicing.put(path("gem-utrecht"), json=MUNICIPALITY, headers=auth())
    same = await invoicing.put(path("gem-utrecht"), json=MUNICIPALITY, headers=auth())
    assert (first.status_code, same.status_code) == (201, 200), first.text
    assert first.json() == same.json()
    assert first.json()["peppol_scheme"] == "0190"
    changed = await invoicing.put(
        path("gem-utrecht"), json={**MUNICIPALITY, "buyer_reference": "KP-1"}, headers=auth()
    )
    assert changed.json()["updated_at"] > first.json()["updated_at"]
    debtor_id = first.json()["id"]
    assert (await invoicing.get(f"/v1/debtors/{debtor_id}", headers=auth())).json()[
        "buyer_reference"
    ] == "KP-1"
    listed = (await invoicing.get("/v1/debtors", headers=auth())).json()["items"]
    assert [d["id"] for d in listed] == [debtor_id]
    assert (await invoicing.get(path("gem-utrecht"), headers=auth())).json()["id"] == debtor_id


async def test_a_peppol_endpoint_needs_scheme_and_shape(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    half = {k: v for k, v in MUNICIPALITY.items() if k != "peppol_id"}
    response = await invoicing.put(path("half"), json=half, headers=auth())
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("body.peppol_id", "peppol_endpoint")
    ]
    wrong = await invoicing.put(
        path("wrong"), json={**MUNICIPALITY, "peppol_id": "12345678"}, headers=auth()
    )
    assert wrong.json()["errors"][0]["rule"] == "peppol_endpoint_format"
