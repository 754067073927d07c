from __future__ import annotations

import uuid

import asyncpg

from services.kit.db import one, upserted_values
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import ClientOrganisation, ClientOrganisationIn

_COLUMNS = "id, external_id, name, kvk_number, created_at, updated_at"


def _organisation(row: asyncpg.Record) -> ClientOrganisation:
    return ClientOrganisation(**dict(row))


async def upsert(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str, data: ClientOrganisationIn
) -> tuple[ClientOrganisation, bool]:
    """Create or update by ``external_id``; ``updated_at`` moves only when something changed."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO client_organisations (org_id, id, external_id, name, kvk_number)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (org_id, external_id) DO UPDATE
        SET name = EXCLUDED.name,
            kvk_number = EXCLUDED.kvk_number,
            updated_at = CASE
                WHEN (client_organisations.name, client_organisations.kvk_number)
                     IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kvk_number)
                THEN now() ELSE client_organisations.updated_at END
        RETURNING {_COLUMNS}, (xmax = 0) AS inserted
        """,
        org_id,
        uuid7(),
        external_id,
        data.name,
        data.kvk_number,
    )
    assert row is not None
    values, inserted = upserted_values(row)
    return ClientOrganisation(**values), inserted


async def get(
    conn: asyncpg.Connection, org_id: uuid.UUID, organisation_id: uuid.UUID
) -> ClientOrganisation:
    query = f"SELECT {_COLUMNS} FROM client_organisations WHERE org_id = $1 AND id = $2"
    missing = f"No client organisation {organisation_id}."
    return _organisation(await one(conn, query, org_id, organisation_id, missing=missing))


async def get_by_external_id(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str
) -> ClientOrganisation:
    query = f"SELECT {_COLUMNS} FROM client_organisations WHERE org_id = $1 AND external_id = $2"
    missing = f"No client organisation with external id {external_id!r}."
    return _organisation(await one(conn, query, org_id, external_id, missing=missing))


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, only: uuid.UUID | None
) -> list[ClientOrganisation]:
    """A page of the organisations by id; only the one ``only`` names, when given."""
    param, where = Params(org_id), ["org_id = $1"]
    if only is not None:
        where.append(f"id = {param(only)}")
    query = keyset(f"SELECT {_COLUMNS} FROM client_organisations", where, param, asked)
    return [_organisation(row) for row in await conn.fetch(query, *param.values)]
