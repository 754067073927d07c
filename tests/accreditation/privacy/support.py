"""A person's year in accreditation for the privacy tests, and the database as they read it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx

from services.accreditation.config import SCHEMA
from services.accreditation.ledger import chain, checkpoints
from tests.accreditation.credentials.support import REGISTERED_ON, issue, participant
from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    skj: str
    nip: str


def new_person() -> Person:
    """A person whose name and numbers occur nowhere else in the database."""
    tag = secrets.token_hex(4)
    return Person(
        uuid.uuid4(), f"Fenna Zwaluw {tag}", f"K{secrets.randbelow(10**8):08d}", f"NIP-{tag}"
    )


def attending(person: Person, **options: Any) -> dict[str, Any]:
    return attendee(
        registration("SKJ", person.skj, registered_on=REGISTERED_ON),
        registration("NIP", person.nip, registered_on=REGISTERED_ON),
        person_id=person.id,
        name=person.name,
        **options,
    )


async def a_year(
    client: httpx.AsyncClient, auth: Token, superuser: asyncpg.Connection, org: uuid.UUID
) -> Person:
    """Four sessions credited in SKJ and NIP, consent to SKJ, a proof of attendance, a
    reflection statement, an attendance confirmation, and a registrar's read."""
    person = new_person()
    sessions = []
    for day in (date(2026, 1, 15), date(2026, 3, 26), date(2026, 6, 11), date(2026, 9, 17)):
        body = session(attending(person), day=day)
        await record(client, auth, body)
        sessions.append(body["session_id"])
    mine = participant(auth, person.id)
    granted = await client.put("/v1/consents/SKJ", headers=mine)
    assert granted.status_code in (200, 201), granted.text
    proof = await issue(client, mine, sessions[1])
    assert proof.status_code == 201, proof.text
    asked = await client.post(
        "/v1/reflection-statements",
        json={
            "register": "SKJ",
            "on": "2026-03-26",
            "supervisor_id": str(uuid.uuid4()),
            "supervisor_name": "Ingrid van Dijk",
        },
        headers=mine,
    )
    assert asked.status_code == 201, asked.text
    await superuser.execute(
        f"INSERT INTO {SCHEMA}.attendance_confirmations"
        " (org_id, session_id, person_id, confirmed_at) VALUES ($1, $2, $3, $4)",
        org,
        uuid.UUID(sessions[0]),
        person.id,
        datetime(2026, 1, 15, 16, tzinfo=UTC),
    )
    read = await client.get(
        "/v1/registrar/entries",
        params={"registration_number": person.skj},
        headers=auth("registrar", register="SKJ", subject="skj-registrar"),
    )
    assert read.status_code == 200 and len(read.json()["items"]) == 4, read.text
    return person


async def ids(superuser: asyncpg.Connection, query: str, *args: Any) -> list[str]:
    return [str(row[0]) for row in await superuser.fetch(query, *args)]


async def text_columns(superuser: asyncpg.Connection) -> list[tuple[str, str, str]]:
    """Every column of accreditation's tables that can hold text: (table, column, type)."""
    rows = await superuser.fetch(
        """
        SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'jsonb', 'json', 'character varying', 'bytea')
               OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
        ORDER BY 1, 2
        """,
        SCHEMA,
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def where_found(superuser: asyncpg.Connection, needle: str) -> list[str]:
    """``table.column`` of every accreditation column holding ``needle`` in any row."""
    found = []
    for table, column, data_type in await text_columns(superuser):
        test = (
            f"position(convert_to($1, 'UTF8') IN \"{column}\") > 0"
            if data_type == "bytea"
            else f'strpos("{column}"::text, $1) > 0'
        )
        if await superuser.fetchval(
            f'SELECT EXISTS (SELECT 1 FROM {SCHEMA}."{table}" WHERE {test})', needle
        ):
            found.append(f"{table}.{column}")
    return found


def entry(**given: Any) -> dict[str, Any]:
    """An entry's columns with its hash set: version 2 (its person committed to) unless
    ``hash_version=1`` is given, as revision 0011 wrote entries."""
    values: dict[str, Any] = {
        "org_id": uuid.uuid4(),
        "id": uuid.uuid4(),
        "seq": 1,
        "kind": "credit",
        "session_id": uuid.uuid4(),
        "person_id": uuid.uuid4(),
        "register_code": "NIP",
        "revision": 1,
        "session_date": date(2025, 3, 10),
        "started_at": datetime(2025, 3, 10, 13, tzinfo=UTC),
        "ended_at": datetime(2025, 3, 10, 15, tzinfo=UTC),
        "mode": "in_person",
        "group_size": 6,
        "method": None,
        "facilitator_name": "Bram Jansen",
        "facilitator_recognitions": ["NIP"],
        "minutes": 150,
        "points_centi": 250,
        "rule_set_id": uuid.uuid4(),
        "rule_version": 1,
        "cycle_start": date(2023, 6, 15),
        "cycle_end": date(2028, 6, 14),
        "self_declared": False,
        "reverses_id": None,
        "reason": None,
        "recorded_at": datetime(2025, 3, 10, 16, tzinfo=UTC),
        "recorded_by": "test",
        "prev_hash": chain.GENESIS,
        "person_name": "Anna de Vries",
        "registration_number": "NIP-0042",
        **given,
    }
    if values.get("hash_version", 2) == 2:
        values.update(hash_version=2, **checkpoints._personal(values))
    values["hash"] = chain.entry_hash(values)
    return values
