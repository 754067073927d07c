from __future__ import annotations

import uuid

import asyncpg

from services.kit.db import one
from services.kit.errors import Conflict, FieldError
from services.kit.ids import uuid7

from .schemas import Method, MethodIn

_SELECT = "SELECT id, key, name, minutes, steps, org_id IS NULL AS catalogue FROM methods"


async def all_visible(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[Method]:
    """The catalogue and the organisation's own methods (row-level security shows both)."""
    rows = await conn.fetch(
        _SELECT + " WHERE org_id IS NULL OR org_id = $1 ORDER BY org_id NULLS FIRST, key", org_id
    )
    return [Method(**dict(row)) for row in rows]


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, method_id: uuid.UUID) -> Method:
    query = _SELECT + " WHERE id = $2 AND (org_id IS NULL OR org_id = $1)"
    return Method(**await one(conn, query, org_id, method_id, missing=f"No method {method_id}."))


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, data: MethodIn) -> Method:
    try:
        row = await conn.fetchrow(
            """
            INSERT INTO methods (id, org_id, key, name, minutes, steps)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING id, key, name, minutes, steps, false AS catalogue
            """,
            uuid7(),
            org_id,
            data.key,
            data.name,
            data.minutes,
            data.steps,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            f"A method with key {data.key!r} exists already.",
            errors=[FieldError(field="body.key", rule="unique", message="key in use")],
        ) from exc
    assert row is not None
    return Method(**dict(row))
