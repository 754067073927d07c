"""The SQL of erasure requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from services.kit.db import one
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .rules import held_of
from .schemas import ErasurePart, ErasureRefusal, ErasureRequest, RequestStatus

_COLUMNS = "id, person_id, status, requested_by, requested_at, completed_at, refusal, parts"


def _request(row: asyncpg.Record) -> ErasureRequest:
    values = dict(row)
    parts = msgspec.convert(values.pop("parts"), list[ErasurePart])
    refusal = values.pop("refusal")
    return ErasureRequest(
        **values,
        parts=parts,
        refusal=None if refusal is None else msgspec.convert(refusal, ErasureRefusal),
        held=held_of(parts),
    )


async def insert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    request_id: uuid.UUID,
    person_id: uuid.UUID,
    status: RequestStatus,
    requested_by: str,
    parts: Sequence[ErasurePart],
    refusal: ErasureRefusal | None = None,
) -> ErasureRequest:
    row = await conn.fetchrow(
        f"""
        INSERT INTO erasure_requests
            (org_id, id, person_id, status, requested_by, completed_at, refusal, parts)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 = 'completed' THEN now() END, $6, $7)
        RETURNING {_COLUMNS}
        """,
        org_id,
        request_id,
        person_id,
        status,
        requested_by,
        None if refusal is None else msgspec.to_builtins(refusal),
        msgspec.to_builtins(list(parts)),
    )
    return _request(row)


async def completed_for(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> ErasureRequest | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM erasure_requests"
        " WHERE org_id = $1 AND person_id = $2 AND status = 'completed'",
        org_id,
        person_id,
    )
    return None if row is None else _request(row)


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, request_id: uuid.UUID) -> ErasureRequest:
    row = await one(
        conn,
        f"SELECT {_COLUMNS} FROM erasure_requests WHERE org_id = $1 AND id = $2",
        org_id,
        request_id,
        missing=f"No erasure request {request_id}.",
    )
    return _request(row)


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, person_id: uuid.UUID | None
) -> list[ErasureRequest]:
    param = Params(org_id)
    where = ["org_id = $1"]
    if person_id is not None:
        where.append(f"person_id = {param(person_id)}")
    query = keyset(f"SELECT {_COLUMNS} FROM erasure_requests", where, param, asked)
    rows: list[Any] = await conn.fetch(query, *param.values)
    return [_request(row) for row in rows]
