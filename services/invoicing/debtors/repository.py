from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from services.kit.db import one, upserted_values
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import DebtorIn, StoredDebtor

_FIELDS = """name, street, postal_code, city, country_code, kvk_number, vat_id, peppol_scheme,
    peppol_id, buyer_reference, email"""
_COLUMNS = f"id, external_id, {_FIELDS}, created_at, updated_at"
_NAMES = [name.strip() for name in _FIELDS.split(",")]
# An upsert's update: the new data; ``updated_at`` moves only when something changed.
_UPDATE = f"""
    SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _NAMES)},
        updated_at = CASE
            WHEN ({", ".join(f"debtors.{c}" for c in _NAMES)})
                 IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in _NAMES)})
            THEN now() ELSE debtors.updated_at END
    RETURNING {_COLUMNS}, (xmax = 0) AS inserted
"""


BILLED_BY = """
    SELECT i.person_id FROM invoices i WHERE i.org_id = $1 AND i.facilitator_id = {facilitator}
    UNION
    SELECT a.person_id::uuid FROM unbilled_sessions u,
        LATERAL (
            SELECT x->>'person_id' FROM jsonb_array_elements(u.closing->'attendees') x
            UNION SELECT m FROM jsonb_array_elements_text(u.closing->'member_ids') m
        ) AS a(person_id)
    WHERE u.org_id = $1 AND u.facilitator_id = {facilitator}
"""
"""The people a facilitator bills, as a subquery (``facilitator`` its parameter): those of
their invoices (drafts and held ones too), and those of their closed sessions waiting to be
billed."""


async def billed_by(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether the facilitator bills the person (:data:`BILLED_BY`)."""
    billed = await conn.fetchval(
        f"SELECT $3::uuid IN ({BILLED_BY.format(facilitator='$2')})",
        org_id,
        facilitator_id,
        person_id,
    )
    return bool(billed)


def _debtor(row: asyncpg.Record) -> StoredDebtor:
    return StoredDebtor(**dict(row))


def _values(data: DebtorIn) -> tuple[object, ...]:
    return (
        data.name,
        data.street,
        data.postal_code,
        data.city,
        data.country_code,
        data.kvk_number,
        data.vat_id,
        data.peppol_scheme,
        data.peppol_id,
        data.buyer_reference,
        data.email,
    )


async def upsert(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str, data: DebtorIn
) -> tuple[StoredDebtor, bool]:
    """Create or update by ``external_id``; ``updated_at`` moves only when something changed."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO debtors (org_id, id, external_id, {_FIELDS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (org_id, external_id) DO UPDATE {_UPDATE}
        """,
        org_id,
        uuid7(),
        external_id,
        *_values(data),
    )
    assert row is not None
    values, inserted = upserted_values(row)
    return StoredDebtor(**values), inserted


async def save(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    debtor_id: uuid.UUID,
    data: DebtorIn,
    *,
    person_id: uuid.UUID | None = None,
) -> StoredDebtor:
    """Create or update the debtor ``debtor_id`` (a linked one: it has no external id); one
    made as a person's own records the person (``person_id``), for their export and erasure."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO debtors (org_id, id, external_id, person_id, {_FIELDS})
        VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (id) DO UPDATE {_UPDATE}
        """,
        org_id,
        debtor_id,
        person_id,
        *_values(data),
    )
    assert row is not None
    values, _ = upserted_values(row)
    return StoredDebtor(**values)


def _seen_by(facilitator: str) -> str:
    """The condition on a debtor that a facilitator (its parameter) sees: an organisation's
    or one written without a person, or a person's own of someone the facilitator bills."""
    return f"(person_id IS NULL OR person_id IN ({BILLED_BY.format(facilitator=facilitator)}))"


async def _one_seen(
    conn: asyncpg.Connection,
    where: str,
    org_id: uuid.UUID,
    key: object,
    *,
    seen_by: uuid.UUID | None,
    missing: str,
) -> StoredDebtor:
    """The tenant's one debtor ``where`` names (by ``$2``, ``key``); ``seen_by``: as that
    facilitator sees the tenant's debtors, else :class:`NotFound`."""
    query = f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND {where}"
    args: list[object] = [org_id, key]
    if seen_by is not None:
        query += f" AND {_seen_by('$3')}"
        args.append(seen_by)
    return _debtor(await one(conn, query, *args, missing=missing))


async def get(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    debtor_id: uuid.UUID,
    *,
    seen_by: uuid.UUID | None = None,
) -> StoredDebtor:
    missing = f"No debtor {debtor_id}."
    return await _one_seen(conn, "id = $2", org_id, debtor_id, seen_by=seen_by, missing=missing)


async def get_by_external_id(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    external_id: str,
    *,
    seen_by: uuid.UUID | None = None,
) -> StoredDebtor:
    missing = f"No debtor with external id {external_id!r}."
    return await _one_seen(
        conn, "external_id = $2", org_id, external_id, seen_by=seen_by, missing=missing
    )


async def many(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    debtor_ids: Sequence[uuid.UUID],
    *,
    seen_by: uuid.UUID | None = None,
    people: Sequence[uuid.UUID] = (),
) -> dict[uuid.UUID, StoredDebtor]:
    """The tenant's debtors of ``debtor_ids`` that exist; ``seen_by``: only those that
    facilitator sees, and the own debtors of ``people`` (whom it is about to bill)."""
    query = f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND id = ANY($2::uuid[])"
    args: list[object] = [org_id, list(debtor_ids)]
    if seen_by is not None:
        query += f" AND ({_seen_by('$3')} OR person_id = ANY($4::uuid[]))"
        args += [seen_by, list(people)]
    rows = await conn.fetch(query, *args)
    return {row["id"]: _debtor(row) for row in rows}


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    seen_by: uuid.UUID | None = None,
) -> list[StoredDebtor]:
    param = Params(org_id)
    where = ["org_id = $1"]
    if seen_by is not None:
        where.append(_seen_by(param(seen_by)))
    query = keyset(f"SELECT {_COLUMNS} FROM debtors", where, param, asked)
    return [_debtor(row) for row in await conn.fetch(query, *param.values)]


async def of_person(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[StoredDebtor]:
    """The debtors that are the person: written as their own, paying themselves."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND person_id = $2 ORDER BY id",
        org_id,
        person_id,
    )
    return [_debtor(row) for row in rows]
