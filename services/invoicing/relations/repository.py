"""The billing relations' SQL: links of client organisations to debtors, people's choices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import asyncpg

from services.kit.db import one

from .rules import Choice
from .schemas import Pays


class ChoiceRow(NamedTuple):
    pays: Pays
    debtor_id: uuid.UUID | None
    updated_at: datetime


async def link_organisation(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    client_organisation_id: uuid.UUID,
    *,
    new_debtor_id: uuid.UUID,
) -> tuple[uuid.UUID, bool]:
    """The id of the client organisation's debtor (``new_debtor_id`` when it had none), and
    whether the link is new. The link's row stays locked: concurrent writers queue on it.

    The caller writes the debtor itself in the same transaction (the link's foreign key is
    checked at commit)."""
    row = await conn.fetchrow(
        """
        INSERT INTO client_organisation_debtors (org_id, client_organisation_id, debtor_id)
        VALUES ($1, $2, $3)
        ON CONFLICT (org_id, client_organisation_id)
        DO UPDATE SET debtor_id = client_organisation_debtors.debtor_id
        RETURNING debtor_id, (xmax = 0) AS inserted
        """,
        org_id,
        client_organisation_id,
        new_debtor_id,
    )
    assert row is not None
    return row["debtor_id"], row["inserted"]


async def organisation_debtor_id(
    conn: asyncpg.Connection, org_id: uuid.UUID, client_organisation_id: uuid.UUID
) -> uuid.UUID:
    row = await one(
        conn,
        """
        SELECT debtor_id FROM client_organisation_debtors
        WHERE org_id = $1 AND client_organisation_id = $2
        """,
        org_id,
        client_organisation_id,
        missing=f"No debtor is linked to client organisation {client_organisation_id}.",
    )
    value: uuid.UUID = row["debtor_id"]
    return value


async def choose(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    pays: Pays,
    *,
    new_debtor_id: uuid.UUID,
) -> tuple[ChoiceRow, bool]:
    """Record who pays the person's invoices, and whether it is their first choice.

    Paying themselves, they keep the debtor they had (``new_debtor_id`` when none); when their
    employer pays they have none. ``updated_at`` moves when the choice changes. The caller
    writes the person's debtor in the same transaction (checked at commit)."""
    row = await conn.fetchrow(
        """
        INSERT INTO person_billing (org_id, person_id, pays, debtor_id)
        VALUES ($1, $2, $3, CASE WHEN $3 = 'self' THEN $4::uuid END)
        ON CONFLICT (org_id, person_id) DO UPDATE
        SET pays = EXCLUDED.pays,
            debtor_id = CASE WHEN EXCLUDED.pays = 'self'
                             THEN coalesce(person_billing.debtor_id, EXCLUDED.debtor_id) END,
            updated_at = CASE WHEN person_billing.pays = EXCLUDED.pays
                              THEN person_billing.updated_at ELSE now() END
        RETURNING pays, debtor_id, updated_at, (xmax = 0) AS inserted
        """,
        org_id,
        person_id,
        pays,
        new_debtor_id,
    )
    assert row is not None
    return ChoiceRow(row["pays"], row["debtor_id"], row["updated_at"]), row["inserted"]


async def choice(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> ChoiceRow:
    row = await one(
        conn,
        """
        SELECT pays, debtor_id, updated_at FROM person_billing
        WHERE org_id = $1 AND person_id = $2
        """,
        org_id,
        person_id,
        missing=f"No billing choice is recorded for person {person_id}.",
    )
    return ChoiceRow(row["pays"], row["debtor_id"], row["updated_at"])


async def links(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_ids: Sequence[uuid.UUID],
    client_organisation_ids: Sequence[uuid.UUID],
) -> tuple[dict[uuid.UUID, Choice], dict[uuid.UUID, uuid.UUID]]:
    """The choices of these people and the debtors linked to these client organisations."""
    rows = await conn.fetch(
        """
        SELECT true AS person, person_id AS key, pays, debtor_id FROM person_billing
        WHERE org_id = $1 AND person_id = ANY($2::uuid[])
        UNION ALL
        SELECT false, client_organisation_id, NULL, debtor_id FROM client_organisation_debtors
        WHERE org_id = $1 AND client_organisation_id = ANY($3::uuid[])
        """,
        org_id,
        list(person_ids),
        list(client_organisation_ids),
    )
    choices = {r["key"]: Choice(r["pays"], r["debtor_id"]) for r in rows if r["person"]}
    organisations = {r["key"]: r["debtor_id"] for r in rows if not r["person"]}
    return choices, organisations
