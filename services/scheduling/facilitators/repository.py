from __future__ import annotations

import uuid

import asyncpg
import msgspec

from services.kit.db import one, upserted_values
from services.kit.errors import FieldError, NotFound
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import Facilitator, Recognition

_SELECT = """
    SELECT f.person_id, p.given_name, p.family_name, f.recognitions, f.created_at, f.updated_at
    FROM facilitators f JOIN people p ON p.org_id = f.org_id AND p.id = f.person_id
"""


def _facilitator(row: asyncpg.Record) -> Facilitator:
    values = dict(row)
    values["recognitions"] = msgspec.convert(values["recognitions"], list[Recognition])
    return Facilitator(**values)


async def upsert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    recognitions: list[Recognition],
) -> tuple[Facilitator, bool]:
    try:
        row = await conn.fetchrow(
            """
            WITH f AS (
                INSERT INTO facilitators AS f (org_id, person_id, recognitions)
                VALUES ($1, $2, $3)
                ON CONFLICT (org_id, person_id) DO UPDATE
                SET recognitions = EXCLUDED.recognitions,
                    updated_at = CASE WHEN f.recognitions IS DISTINCT FROM EXCLUDED.recognitions
                                      THEN now() ELSE f.updated_at END
                RETURNING f.*, (xmax = 0) AS inserted
            )
            SELECT f.person_id, p.given_name, p.family_name, f.recognitions, f.created_at,
                   f.updated_at, f.inserted
            FROM f JOIN people p ON p.org_id = f.org_id AND p.id = f.person_id
            """,
            org_id,
            person_id,
            msgspec.to_builtins(recognitions),
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise NotFound(
            f"No person {person_id}.",
            errors=[FieldError(field="path.person_id", rule="exists", message="no such person")],
        ) from exc
    assert row is not None
    values, inserted = upserted_values(row)
    values["recognitions"] = recognitions
    return Facilitator(**values), inserted


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> Facilitator:
    query = _SELECT + " WHERE f.org_id = $1 AND f.person_id = $2"
    missing = f"No facilitator {person_id}."
    return _facilitator(await one(conn, query, org_id, person_id, missing=missing))


async def facilitates_for(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether ``facilitator_id`` facilitates a group ``person_id`` belongs to (or belonged to)."""
    query = """
        SELECT EXISTS (
            SELECT 1 FROM groups g
            JOIN group_members m ON m.org_id = g.org_id AND m.group_id = g.id
            WHERE g.org_id = $1 AND g.facilitator_id = $2 AND m.person_id = $3
        )
    """
    return bool(await conn.fetchval(query, org_id, facilitator_id, person_id))


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, only: uuid.UUID | None = None
) -> list[Facilitator]:
    """A page of facilitators by id; only the one ``only`` names, when given."""
    param, where = Params(org_id), ["f.org_id = $1"]
    if only is not None:
        where.append(f"f.person_id = {param(only)}")
    query = keyset(_SELECT, where, param, asked, key="f.person_id")
    return [_facilitator(row) for row in await conn.fetch(query, *param.values)]
