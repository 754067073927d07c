"""The reflection statements' SQL, and the register's rules for them (versioned data)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

import asyncpg
import msgspec

from services.kit.errors import Conflict
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset


class Row(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    register_code: str
    cycle_start: date
    cycle_end: date
    supervisor_id: uuid.UUID
    supervisor_name: str
    requested_at: datetime
    requested_by: str
    status: Literal["requested", "countersigned"]
    countersigned_at: datetime | None
    countersigned_by: str | None
    recognition_register: str | None
    recognition_number: str | None


_COLUMNS = Row.__struct_fields__
_SELECTED = ", ".join(_COLUMNS)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(2, len(_COLUMNS) + 2))


def _row(record: asyncpg.Record) -> Row:
    return msgspec.convert(dict(record), Row)


async def accepted_on(
    conn: asyncpg.Connection, org_id: uuid.UUID, register_code: str, day: date
) -> list[str] | None:
    """The bodies whose supervisors may countersign the register's reflection statement, by the
    version in force on ``day`` (the organisation's or the catalogue's); ``None``: it asks for
    no statement."""
    value = await conn.fetchval(
        """
        SELECT supervisor_recognitions FROM reflection_rules
        WHERE (org_id IS NULL OR org_id = $1) AND register_code = $2 AND valid_from <= $3
        ORDER BY valid_from DESC, version DESC
        LIMIT 1
        """,
        org_id,
        register_code,
        day,
    )
    return None if value is None else list(value)


async def insert(conn: asyncpg.Connection, org_id: uuid.UUID, values: dict[str, Any]) -> Row:
    try:
        record = await conn.fetchrow(
            f"INSERT INTO reflection_statements (org_id, {_SELECTED})"
            f" VALUES ($1, {_PLACEHOLDERS}) RETURNING {_SELECTED}",
            org_id,
            *(values[name] for name in _COLUMNS),
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            "This supervisor has been asked for this cycle's reflection statement already."
        ) from exc
    assert record is not None
    return _row(record)


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, statement_id: uuid.UUID) -> Row | None:
    record = await conn.fetchrow(
        f"SELECT {_SELECTED} FROM reflection_statements WHERE org_id = $1 AND id = $2",
        org_id,
        statement_id,
    )
    return None if record is None else _row(record)


async def countersign(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    statement_id: uuid.UUID,
    *,
    by: str,
    register: str,
    number: str,
) -> Row:
    record = await conn.fetchrow(
        f"""
        UPDATE reflection_statements
        SET status = 'countersigned', countersigned_at = now(), countersigned_by = $3,
            recognition_register = $4, recognition_number = $5
        WHERE org_id = $1 AND id = $2 AND status = 'requested'
        RETURNING {_SELECTED}
        """,
        org_id,
        statement_id,
        by,
        register,
        number,
    )
    if record is None:
        raise Conflict("The reflection statement is countersigned already.")
    return _row(record)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    involving: uuid.UUID | None,
) -> list[Row]:
    """Statements in the order requested; with ``involving``, those of that person or naming
    them as supervisor."""
    param = Params(org_id)
    where = ["org_id = $1"]
    if involving is not None:
        placeholder = param(involving)
        where.append(f"(person_id = {placeholder} OR supervisor_id = {placeholder})")
    query = keyset(f"SELECT {_SELECTED} FROM reflection_statements", where, param, asked)
    return [_row(record) for record in await conn.fetch(query, *param.values)]


async def countersigned(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_id: uuid.UUID,
    register_code: str,
    cycle_start: date,
) -> list[Row]:
    """A person's countersigned statements of a cycle: evidence for its period statement."""
    records = await conn.fetch(
        f"""
        SELECT {_SELECTED} FROM reflection_statements
        WHERE org_id = $1 AND person_id = $2 AND register_code = $3 AND cycle_start = $4
          AND status = 'countersigned'
        ORDER BY countersigned_at, id
        """,
        org_id,
        person_id,
        register_code,
        cycle_start,
    )
    return [_row(record) for record in records]
