"""Builders of the privacy tests: a person's year of invoices, their export and erasure."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from tests.conftest import Token

from ..relations.support import choose
from ..support import invoices_of, kvk_number, participants, person_debtor, profile, sheet, today

YEAR = today().year


class Person:
    """A participant of two sessions who pays privately: one invoice paid, one credited."""

    def __init__(self, person_id: str, name: str) -> None:
        self.id = person_id
        self.name = name
        self.invoices: list[dict[str, Any]] = []
        self.credit_notes: list[dict[str, Any]] = []


async def issue(client: httpx.AsyncClient, headers: dict[str, str], invoice_id: str) -> None:
    response = await client.post(f"/v1/invoices/{invoice_id}/issue", headers=headers)
    assert response.status_code == 200, response.text


async def year_of(
    client: httpx.AsyncClient, auth: Token, *, settle: bool = True
) -> tuple[Person, uuid.UUID]:
    """A person in two cost sheets of one supplier: the first invoice paid, the second
    credited (``settle``: else the second is left issued and unpaid)."""
    facilitator = await profile(client, auth(), invoice_prefix="PRIV", kvk_number=kvk_number())
    people = participants(3)
    person = Person(people[0]["person_id"], people[0]["name"])
    await choose(client, auth(), person.id, {"pays": "self", "debtor": person_debtor(person.name)})
    for n in range(2):
        made = await sheet(client, auth(), facilitator, participants=people)
        mine = next(
            i for i in await invoices_of(client, auth(), made["id"]) if i["person_id"] == person.id
        )
        await issue(client, auth(), mine["id"])
        if n == 0:
            paid = await client.post(
                f"/v1/invoices/{mine['id']}/payment", json={"paid_on": str(today())}, headers=auth()
            )
            assert paid.status_code == 200, paid.text
        elif settle:
            note = await client.post(f"/v1/invoices/{mine['id']}/credit-note", headers=auth())
            assert note.status_code == 201, note.text
            person.credit_notes.append(note.json())
        person.invoices.append(
            (await client.get(f"/v1/invoices/{mine['id']}", headers=auth())).json()
        )
    return person, facilitator


async def export(
    client: httpx.AsyncClient, headers: dict[str, str], person_id: str
) -> dict[str, Any]:
    response = await client.get(f"/v1/subjects/{person_id}/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def sheet_names(db: asyncpg.Connection, person: Person) -> set[str]:
    rows = await db.fetch(
        "SELECT p->>'name' AS name FROM cost_sheets, jsonb_array_elements(participants) p"
        " WHERE p->>'person_id' = $1",
        person.id,
    )
    return {row["name"] for row in rows}


async def erase(
    client: httpx.AsyncClient, headers: dict[str, str], person_id: str, status: int
) -> dict[str, Any]:
    response = await client.post(f"/v1/subjects/{person_id}/erasure", headers=headers)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body
