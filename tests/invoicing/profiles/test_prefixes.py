"""An invoice prefix names one supplier (KvK number) in a tenant, through the HTTP API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Token

from ..support import PROFILE, invoices_of, kvk_number, profile, sheet, today

RULE = ("body.invoice_prefix", "prefix_of_another_supplier")


async def put(
    client: httpx.AsyncClient, headers: dict[str, str], facilitator: uuid.UUID, **changes: Any
) -> httpx.Response:
    return await client.put(
        f"/v1/billing-profiles/{facilitator}", json={**PROFILE, **changes}, headers=headers
    )


def refusal(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e.get("field"), e["rule"]) for e in response.json()["errors"]]


async def issue_first(client: httpx.AsyncClient, headers: dict[str, str], sheet_id: str) -> str:
    first = (await invoices_of(client, headers, sheet_id))[0]
    response = await client.post(f"/v1/invoices/{first['id']}/issue", headers=headers)
    assert response.status_code == 200, response.text
    number: str = response.json()["number"]
    return number


async def test_a_prefix_of_another_supplier_is_refused_and_nothing_changes(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    await profile(invoicing, auth(), invoice_prefix="SAME", kvk_number=kvk_number())
    bram = uuid.uuid4()
    refused = await put(invoicing, auth(), bram, invoice_prefix="SAME", kvk_number=kvk_number())
    assert refusal(refused) == [RULE]
    assert (await invoicing.get(f"/v1/billing-profiles/{bram}", headers=auth())).status_code == 404

    own = kvk_number()
    cees = await profile(invoicing, auth(), invoice_prefix="CEES", kvk_number=own)
    before = (await invoicing.get(f"/v1/billing-profiles/{cees}", headers=auth())).json()
    changed = await put(invoicing, auth(), cees, invoice_prefix="SAME", kvk_number=own)
    assert refusal(changed) == [RULE]
    after = (await invoicing.get(f"/v1/billing-profiles/{cees}", headers=auth())).json()
    assert after == before


async def test_facilitators_of_one_supplier_share_a_prefix(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    practice = kvk_number()
    await profile(invoicing, auth(), invoice_prefix="PRAK", kvk_number=practice)
    await profile(invoicing, auth(), invoice_prefix="PRAK", kvk_number=practice)


async def test_the_rule_is_per_tenant(
    invoicing: httpx.AsyncClient, auth: Token, token_for: Callable[..., dict[str, str]]
) -> None:
    await profile(invoicing, auth(), invoice_prefix="OWN", kvk_number=kvk_number())
    elsewhere = token_for(uuid.uuid4(), "admin")
    await profile(invoicing, elsewhere, invoice_prefix="OWN", kvk_number=kvk_number())


async def test_a_mistyped_kvk_number_is_corrected_until_something_is_issued(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth(), invoice_prefix="TYPO", kvk_number=kvk_number())
    corrected = kvk_number()
    response = await put(
        invoicing, auth(), facilitator, invoice_prefix="TYPO", kvk_number=corrected
    )
    assert response.status_code == 200, response.text

    created = await sheet(invoicing, auth(), facilitator)
    assert await issue_first(invoicing, auth(), created["id"]) == f"TYPO-{today().year}-00001"
    new_company = await put(
        invoicing, auth(), facilitator, invoice_prefix="TYPO", kvk_number=kvk_number()
    )
    assert refusal(new_company) == [RULE]
    again = await put(invoicing, auth(), facilitator, invoice_prefix="TYPO", kvk_number=corrected)
    assert again.status_code == 200, again.text


async def test_a_prefix_given_up_is_free_until_numbers_were_issued_under_it(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    for prefix, issues in (("FREE", False), ("USED", True)):
        own = kvk_number()
        first = await profile(invoicing, auth(), invoice_prefix=prefix, kvk_number=own)
        if issues:
            await issue_first(invoicing, auth(), (await sheet(invoicing, auth(), first))["id"])
        given_up = await put(invoicing, auth(), first, invoice_prefix=f"{prefix}2", kvk_number=own)
        assert given_up.status_code == 200, given_up.text
        taken = await put(
            invoicing, auth(), uuid.uuid4(), invoice_prefix=prefix, kvk_number=kvk_number()
        )
        if issues:
            assert refusal(taken) == [RULE]
        else:
            assert taken.status_code == 201, taken.text


async def test_racing_upserts_for_one_prefix_have_one_winner(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    responses = await asyncio.gather(
        *(
            put(invoicing, auth(), uuid.uuid4(), invoice_prefix="RACE", kvk_number=kvk_number())
            for _ in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    listed = (await invoicing.get("/v1/billing-profiles", headers=auth())).json()["items"]
    assert [p["invoice_prefix"] for p in listed] == ["RACE"]


async def test_a_draft_whose_prefix_went_to_another_supplier_takes_its_suppliers_prefix(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    year = today().year
    own = kvk_number()
    anna = await profile(invoicing, auth(), invoice_prefix="MOVE", kvk_number=own)
    stale = await sheet(invoicing, auth(), anna)
    moved = await put(invoicing, auth(), anna, invoice_prefix="ANNA", kvk_number=own)
    assert moved.status_code == 200, moved.text
    bram = await profile(invoicing, auth(), invoice_prefix="MOVE", kvk_number=kvk_number())

    assert await issue_first(invoicing, auth(), stale["id"]) == f"ANNA-{year}-00001"
    bram_sheet = await sheet(invoicing, auth(), bram)
    assert await issue_first(invoicing, auth(), bram_sheet["id"]) == f"MOVE-{year}-00001"


async def test_a_draft_whose_supplier_holds_no_prefix_is_refused(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth(), invoice_prefix="GONE", kvk_number=kvk_number())
    stale = await sheet(invoicing, auth(), facilitator)
    corrected = await put(
        invoicing, auth(), facilitator, invoice_prefix="GONE", kvk_number=kvk_number()
    )
    assert corrected.status_code == 200, corrected.text

    draft = (await invoices_of(invoicing, auth(), stale["id"]))[0]
    response = await invoicing.post(f"/v1/invoices/{draft['id']}/issue", headers=auth())
    assert refusal(response) == [(None, RULE[1])]
    after = await invoicing.get(f"/v1/invoices/{draft['id']}", headers=auth())
    assert (after.json()["status"], after.json()["number"]) == ("draft", None)
