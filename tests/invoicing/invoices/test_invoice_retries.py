"""Issuing and crediting retried with one Idempotency-Key: one number taken, one credit note."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from tests.conftest import Token
from tests.invoicing.support import invoices_of, issued, participants, profile, sheet


async def _five(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> httpx.Response:
    keyed = {**headers, "Idempotency-Key": secrets.token_hex(12)}
    answers = await asyncio.gather(*(client.post(url, headers=keyed) for _ in range(5)))
    assert len({(a.status_code, a.content) for a in answers}) == 1, [a.text for a in answers]
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    return answers[0]


async def test_five_concurrent_issues_with_one_key_take_one_number(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    created = await sheet(invoicing, auth(), facilitator, participants=participants(2))
    first, second = await invoices_of(invoicing, auth(), created["id"])
    answer = await _five(invoicing, f"/v1/invoices/{first['id']}/issue", auth())
    assert answer.status_code == 200, answer.text
    following = await invoicing.post(f"/v1/invoices/{second['id']}/issue", headers=auth())
    number = answer.json()["number"]
    assert following.json()["number"] == number[:-5] + f"{int(number[-5:]) + 1:05d}"


async def test_five_concurrent_credit_notes_with_one_key_make_one(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    url = f"/v1/invoices/{invoice['id']}/credit-note"
    answer = await _five(invoicing, url, auth())
    assert answer.status_code == 201, answer.text
    again = await invoicing.post(url, headers=auth())
    assert again.status_code == 409, again.text
