from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from services.kit.errors import NotFound
from services.kit.ids import uuid7

from .schemas import DebtorIn, StoredDebtor

_FIELDS = """name, street, postal_code, city, country_code, kvk_number, vat_id, peppol_scheme,
    peppol_id, buyer_reference, email"""
_COLUMNS = f"id, external_id, {_FIELDS}, created_at, updated_at"


def _debtor(row: asyncpg.Record) -> StoredDebtor:
    return StoredDebtor(**dict(row))


async def upsert(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str, data: DebtorIn
) -> tuple[StoredDebtor, bool]:
    """Create or update by ``external_id``; ``updated_at`` moves only when something changed."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO debtors (org_id, id, external_id, {_FIELDS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (org_id, external_id) DO UPDATE
        SET name = EXCLUDED.name, street = EXCLUDED.street,
            postal_code = EXCLUDED.postal_code, city = EXCLUDED.city,
            country_code = EXCLUDED.country_code, kvk_number = EXCLUDED.kvk_number,
            vat_id = EXCLUDED.vat_id, peppol_scheme = EXCLUDED.peppol_scheme,
            peppol_id = EXCLUDED.peppol_id, buyer_reference = EXCLUDED.buyer_reference,
            email = EXCLUDED.email,
            updated_at = CASE
                WHEN ({", ".join(f"debtors.{c.strip()}" for c in _FIELDS.split(","))})
                     IS DISTINCT FROM
                     ({", ".join(f"EXCLUDED.{c.strip()}" for c in _FIELDS.split(","))})
                THEN now() ELSE debtors.updated_at END
        RETURNING {_COLUMNS}, (xmax = 0) AS inserted
        """,
        org_id,
        uuid7(),
        external_id,
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
    assert row is not None
    values = dict(row)
    inserted = values.pop("inserted")
    return StoredDebtor(**values), inserted


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, debtor_id: uuid.UUID) -> StoredDebtor:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND id = $2", org_id, debtor_id
    )
    if row is None:
        raise NotFound(f"No debtor {debtor_id}.")
    return _debtor(row)


async def get_by_external_id(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str
) -> StoredDebtor:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND external_id = $2",
        org_id,
        external_id,
    )
    if row is None:
        raise NotFound(f"No debtor with external id {external_id!r}.")
    return _debtor(row)


async def many(
    conn: asyncpg.Connection, org_id: uuid.UUID, debtor_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, StoredDebtor]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND id = ANY($2::uuid[])",
        org_id,
        list(debtor_ids),
    )
    return {row["id"]: _debtor(row) for row in rows}


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> list[StoredDebtor]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM debtors
        WHERE org_id = $1 AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id
        LIMIT $3
        """,
        org_id,
        after,
        limit + 1,
    )
    return [_debtor(row) for row in rows]


async def by_external_ids(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_ids: Sequence[str]
) -> dict[str, StoredDebtor]:
    """The stored debtors of these external ids, by external id (unknown ids are left out)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM debtors WHERE org_id = $1 AND external_id = ANY($2::text[])",
        org_id,
        list(external_ids),
    )
    return {row["external_id"]: _debtor(row) for row in rows}
