"""The credentials' SQL: credentials as issued (only a revocation changes one, once), the
organisation's status list positions, and what a status list holds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import Kind


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """A stored credential."""

    id: uuid.UUID
    kind: Kind
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    register_code: str
    cycle_start: date
    cycle_end: date
    entry_id: uuid.UUID | None
    entry_ids: list[uuid.UUID]
    reflection_ids: list[uuid.UUID]
    base_url: str
    status_list: int
    status_index: int
    issued_at: datetime
    key_id: str
    jws: str
    replaces_id: uuid.UUID | None
    revoked_at: datetime | None
    revoked_reason: str | None


COLUMNS = Row.__struct_fields__
_SELECTED = ", ".join(COLUMNS)
_C_SELECTED = ", ".join(f"c.{name}" for name in COLUMNS)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(2, len(COLUMNS) + 2))
_CONSENTED = """EXISTS (SELECT 1 FROM consents s
                       WHERE s.org_id = c.org_id AND s.person_id = c.person_id
                         AND s.register_code = c.register_code AND s.revoked_at IS NULL
                       OFFSET 0)"""


def _row(record: asyncpg.Record) -> Row:
    return msgspec.convert(dict(record), Row)


async def next_position(conn: asyncpg.Connection, org_id: uuid.UUID) -> int:
    """How many positions the organisation has taken before this one (from 0), taken now."""
    value = await conn.fetchval(
        """
        INSERT INTO credential_counters (org_id, issued) VALUES ($1, 1)
        ON CONFLICT (org_id) DO UPDATE SET issued = credential_counters.issued + 1
        RETURNING issued - 1
        """,
        org_id,
    )
    return int(value)


async def insert(conn: asyncpg.Connection, org_id: uuid.UUID, values: dict[str, Any]) -> Row | None:
    """Store a credential; ``None`` when one for the same credit (or a standing statement of the
    same cycle) was stored concurrently."""
    record = await conn.fetchrow(
        f"""
        INSERT INTO credentials (org_id, {_SELECTED}) VALUES ($1, {_PLACEHOLDERS})
        ON CONFLICT DO NOTHING
        RETURNING {_SELECTED}
        """,
        org_id,
        *(values[name] for name in COLUMNS),
    )
    return None if record is None else _row(record)


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, credential_id: uuid.UUID) -> Row | None:
    record = await conn.fetchrow(
        f"SELECT {_SELECTED} FROM credentials WHERE org_id = $1 AND id = $2", org_id, credential_id
    )
    return None if record is None else _row(record)


async def of_entry(conn: asyncpg.Connection, org_id: uuid.UUID, entry_id: uuid.UUID) -> Row | None:
    """The session credential of a credit (there is at most one)."""
    record = await conn.fetchrow(
        f"SELECT {_SELECTED} FROM credentials"
        " WHERE org_id = $1 AND entry_id = $2 AND kind = 'session'",
        org_id,
        entry_id,
    )
    return None if record is None else _row(record)


async def standing_statement(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_id: uuid.UUID,
    register_code: str,
    cycle_start: date,
) -> Row | None:
    """The period statement of a person's cycle that stands (there is at most one)."""
    record = await conn.fetchrow(
        f"""
        SELECT {_SELECTED} FROM credentials
        WHERE org_id = $1 AND person_id = $2 AND register_code = $3 AND cycle_start = $4
          AND kind = 'period' AND revoked_at IS NULL
        """,
        org_id,
        person_id,
        register_code,
        cycle_start,
    )
    return None if record is None else _row(record)


async def revoke_containing(
    conn: asyncpg.Connection, org_id: uuid.UUID, entry_id: uuid.UUID, *, reason: str
) -> list[Row]:
    """Revoke every standing credential that states the credit ``entry_id``."""
    records = await conn.fetch(
        f"""
        UPDATE credentials SET revoked_at = now(), revoked_reason = $3
        WHERE org_id = $1 AND entry_ids @> ARRAY[$2]::uuid[] AND revoked_at IS NULL
        RETURNING {_SELECTED}
        """,
        org_id,
        entry_id,
        reason,
    )
    return [_row(record) for record in records]


async def revoke(
    conn: asyncpg.Connection, org_id: uuid.UUID, credential_id: uuid.UUID, *, reason: str
) -> Row:
    record = await conn.fetchrow(
        f"""
        UPDATE credentials SET revoked_at = now(), revoked_reason = $3
        WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL
        RETURNING {_SELECTED}
        """,
        org_id,
        credential_id,
        reason,
    )
    assert record is not None, "only a standing credential is revoked"
    return _row(record)


async def revoke_person(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, *, reason: str
) -> list[Row]:
    """Revoke every standing credential of a person (their positions stay taken, revoked)."""
    records = await conn.fetch(
        f"""
        UPDATE credentials SET revoked_at = now(), revoked_reason = $3
        WHERE org_id = $1 AND person_id = $2 AND revoked_at IS NULL
        RETURNING {_SELECTED}
        """,
        org_id,
        person_id,
        reason,
    )
    return [_row(record) for record in records]


async def erase_tokens(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> int:
    """Erase the signed tokens of a person's revoked credentials (they state the person's name
    and number); each keeps its row, its revocation and its status list position."""
    status = await conn.execute(
        "UPDATE credentials SET jws = '' WHERE org_id = $1 AND person_id = $2 AND jws <> ''"
        " AND revoked_at IS NOT NULL",
        org_id,
        person_id,
    )
    return int(status.split()[-1])


async def consented(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, register_code: str
) -> bool:
    """Whether the person consents to the register reading their records."""
    value = await conn.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM consents
                       WHERE org_id = $1 AND person_id = $2 AND register_code = $3
                         AND revoked_at IS NULL)
        """,
        org_id,
        person_id,
        register_code,
    )
    return bool(value)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    person_id: uuid.UUID | None,
    register_code: str | None,
    kind: str | None,
    consented_only: bool,
) -> list[Row]:
    """Credentials in the order issued; the statement names only the filters given."""
    param = Params(org_id)
    where = ["c.org_id = $1"]
    if person_id is not None:
        where.append(f"c.person_id = {param(person_id)}")
    if register_code is not None:
        where.append(f"c.register_code = {param(register_code)}")
    if kind is not None:
        where.append(f"c.kind = {param(kind)}")
    if consented_only:
        where.append(_CONSENTED)
    where.append("c.jws <> ''")
    query = keyset(f"SELECT {_C_SELECTED} FROM credentials c", where, param, asked, key="c.id")
    return [_row(record) for record in await conn.fetch(query, *param.values)]


async def status_list(
    conn: asyncpg.Connection, org_id: uuid.UUID, number: int
) -> tuple[list[int], datetime] | None:
    """A status list's revoked positions and when it last changed (``None``: no such list)."""
    record = await conn.fetchrow(
        """
        SELECT coalesce(array_agg(status_index ORDER BY status_index)
                        FILTER (WHERE revoked_at IS NOT NULL), '{}') AS revoked,
               greatest(min(issued_at), max(revoked_at)) AS changed
        FROM credentials WHERE org_id = $1 AND status_list = $2
        """,
        org_id,
        number,
    )
    if record is None or record["changed"] is None:
        return None
    return list(record["revoked"]), record["changed"]


async def confirm(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    at: datetime,
) -> None:
    """Keep when a participant confirmed their attendance (the first time counts): the proofs
    of attendance issued from then on state it."""
    await conn.execute(
        """
        INSERT INTO attendance_confirmations (org_id, session_id, person_id, confirmed_at)
        VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
        """,
        org_id,
        session_id,
        person_id,
        at,
    )


async def confirmed_at(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID, person_id: uuid.UUID
) -> datetime | None:
    value = await conn.fetchval(
        "SELECT confirmed_at FROM attendance_confirmations"
        " WHERE org_id = $1 AND session_id = $2 AND person_id = $3",
        org_id,
        session_id,
        person_id,
    )
    return value if isinstance(value, datetime) else None
