from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import msgspec

from services.kit.db import one, transaction
from services.kit.errors import Conflict
from services.kit.ids import UUID7_SQL
from services.kit.pagination import Keyset
from services.kit.privacy import processing_log
from services.kit.sql import Params, keyset

from ..registers.schemas import RuleSpec
from . import chain
from .schemas import LedgerEntry

ENTRY_COLUMNS = (*chain.V1_COLUMNS, "hash", "hash_version", "personal_commitment", "personal_salt")
"""Every column of an entry as stored."""
_COLUMNS = ", ".join(ENTRY_COLUMNS)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(1, len(ENTRY_COLUMNS) + 1))
# What a query returns of an entry: LedgerEntry's fields, in its order, so that a row becomes
# an entry positionally (``LedgerEntry(*row)``), without a dict per row. A shredded entry
# shows no name and no number, and says it is erased.
_FIELDS = LedgerEntry.__struct_fields__
if _FIELDS != (*chain.V1_COLUMNS[1:], "hash", "erased"):
    raise RuntimeError("LedgerEntry's fields must be the hashed columns but org_id, then erased")
_SHOWN = {
    "person_name": "coalesce({p}person_name, '')",
    "registration_number": "coalesce({p}registration_number, '')",
    "erased": "({p}person_name IS NULL)",
}


def _selected(prefix: str = "") -> str:
    return ", ".join(
        f"{_SHOWN[c].format(p=prefix)} AS {c}" if c in _SHOWN else f"{prefix}{c}" for c in _FIELDS
    )


_RETURNED = _selected()
_E_RETURNED = _selected("e.")
SHOWN = _RETURNED
"""An entry's columns as a query selects them to show it (:func:`entry`)."""
_CHECKPOINT_COLUMNS = "id, seq, head_hash, signed_at, key_id, public_key, signature"
_REDACTION_COLUMNS = (
    "entry_id, seq, entry_hash, residual_hash, signed_at, key_id, public_key, signature"
)


def entry(row: asyncpg.Record | tuple[Any, ...]) -> LedgerEntry:
    """An entry from a row selected as ``_RETURNED`` (LedgerEntry's fields, in order)."""
    return LedgerEntry(*row)


class RuleSetRow(msgspec.Struct, frozen=True):
    id: uuid.UUID
    version: int
    valid_from: date
    rules: RuleSpec


def _rule_set(row: asyncpg.Record) -> RuleSetRow:
    rules = msgspec.convert(row["rules"], RuleSpec)
    return RuleSetRow(
        id=row["id"], version=row["version"], valid_from=row["valid_from"], rules=rules
    )


async def rule_set_on(
    conn: asyncpg.Connection, org_id: uuid.UUID, register_code: str, day: date
) -> RuleSetRow | None:
    """The version of a register's rules in force on ``day`` (catalogue or the organisation's)."""
    row = await conn.fetchrow(
        """
        SELECT id, version, valid_from, rules FROM rule_sets
        WHERE (org_id IS NULL OR org_id = $1) AND register_code = $2 AND valid_from <= $3
        ORDER BY valid_from DESC, version DESC
        LIMIT 1
        """,
        org_id,
        register_code,
        day,
    )
    return None if row is None else _rule_set(row)


async def lock_chain(conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
    """Serialise appends to one organisation's chain until the transaction ends."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('kring-ledger:' || $1, 0))", str(org_id)
    )


async def head(conn: asyncpg.Connection, org_id: uuid.UUID) -> tuple[int, str] | None:
    row = await conn.fetchrow(
        "SELECT seq, hash FROM ledger_entries WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
        org_id,
    )
    return None if row is None else (int(row["seq"]), str(row["hash"]))


async def latest_credit(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    register_code: str,
) -> tuple[LedgerEntry, bool] | None:
    """The newest credit for (session, person, register), and whether it has been reversed."""
    row = await conn.fetchrow(
        f"""
        SELECT {_E_RETURNED},
               EXISTS (SELECT 1 FROM ledger_entries r
                       WHERE r.org_id = e.org_id AND r.reverses_id = e.id) AS reversed
        FROM ledger_entries e
        WHERE e.org_id = $1 AND e.session_id = $2 AND e.person_id = $3
          AND e.register_code = $4 AND e.kind = 'credit'
        ORDER BY e.revision DESC
        LIMIT 1
        """,
        org_id,
        session_id,
        person_id,
        register_code,
    )
    if row is None:
        return None
    return entry(tuple(row)[:-1]), bool(row["reversed"])


async def insert(conn: asyncpg.Connection, values: dict[str, Any]) -> LedgerEntry:
    try:
        row = await conn.fetchrow(
            f"INSERT INTO ledger_entries ({_COLUMNS}) VALUES ({_PLACEHOLDERS}) "
            f"RETURNING {_RETURNED}",
            *(values[c] for c in ENTRY_COLUMNS),
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("The entry was recorded concurrently; retry the request.") from exc
    assert row is not None
    return entry(row)


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, entry_id: uuid.UUID) -> LedgerEntry:
    query = f"SELECT {_RETURNED} FROM ledger_entries WHERE org_id = $1 AND id = $2"
    return entry(await one(conn, query, org_id, entry_id, missing=f"No ledger entry {entry_id}."))


async def reversal_of(
    conn: asyncpg.Connection, org_id: uuid.UUID, entry_id: uuid.UUID
) -> uuid.UUID | None:
    value = await conn.fetchval(
        "SELECT id FROM ledger_entries WHERE org_id = $1 AND reverses_id = $2", org_id, entry_id
    )
    return None if value is None else uuid.UUID(str(value))


async def person_page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    person_id: uuid.UUID,
    register_code: str,
) -> list[LedgerEntry]:
    param = Params(org_id, person_id, register_code)
    where = ["org_id = $1", "person_id = $2", "register_code = $3"]
    query = keyset(f"SELECT {_RETURNED} FROM ledger_entries", where, param, asked)
    return [entry(row) for row in await conn.fetch(query, *param.values)]


async def person_entries(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, person_id: uuid.UUID, register_code: str
) -> list[LedgerEntry]:
    """Every entry of a person in a register (a person's entries are few: one per session)."""
    rows = await conn.fetch(
        f"""
        SELECT {_RETURNED} FROM ledger_entries
        WHERE org_id = $1 AND person_id = $2 AND register_code = $3
        ORDER BY session_date, id
        """,
        org_id,
        person_id,
        register_code,
    )
    return [entry(row) for row in rows]


_CONSENTED = """
    EXISTS (SELECT 1 FROM consents c
            WHERE c.org_id = e.org_id AND c.person_id = e.person_id
              AND c.register_code = e.register_code AND c.revoked_at IS NULL)
"""
# The same test, kept a per-row probe of the consents key (OFFSET 0 stops PostgreSQL from
# turning it into a join): a page holds few rows, and a hash join would read every consent of
# the register to check them.
_CONSENTED_PROBE = _CONSENTED.replace("IS NULL)", "IS NULL OFFSET 0)")


_LOGGED_PAGE = f"""
    WITH page AS ({{query}}),
    {processing_log.CTE} AS (
        INSERT INTO processing_log ({processing_log.COLUMNS})
        SELECT $1, {UUID7_SQL}, {{subject}}, 'registrar', 'listRegistrantEntries',
               c.person_id, $2, 'consent ' || c.id || ' to register ' || $2, {{request_id}}
        FROM (SELECT DISTINCT person_id
              FROM (SELECT person_id FROM page ORDER BY id LIMIT {{shown}}) shown) p
        JOIN consents c ON c.org_id = $1 AND c.person_id = p.person_id
                       AND c.register_code = $2 AND c.revoked_at IS NULL
        UNION ALL
        SELECT $1, {UUID7_SQL}, {{subject}}, 'registrar', 'listRegistrantEntries',
               NULL, $2, 'role registrar of register ' || $2, {{request_id}}
        WHERE NOT EXISTS (SELECT 1 FROM page)
    )
    SELECT * FROM page ORDER BY id
"""


def _of_register(
    param: Params, from_date: date | None, to_date: date | None, *, by_date: bool = True
) -> list[str]:
    """The tests of a register's entries (``param`` holds the tenant and the register) in the
    period given: a bound left out is not named. Unless ``by_date``, the bounds are written so
    that no index takes them (``session_date + 0``): a statement planned once (ADR 0042) then
    reads the registrant's index, not the register's by date; planned without the numbers, a
    small ledger looked cheaper read by date, the number tested on each row (25x slower)."""
    where = ["e.org_id = $1", "e.register_code = $2"]
    day = "e.session_date" if by_date else "e.session_date + 0"
    if from_date is not None:
        where.append(f"{day} >= {param(from_date)}")
    if to_date is not None:
        where.append(f"{day} <= {param(to_date)}")
    return where


async def registrar_page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    register_code: str,
    registration_numbers: list[str] | None,
    from_date: date | None,
    to_date: date | None,
    asked: Keyset,
    reader: str,
    request_id: str | None,
) -> list[LedgerEntry]:
    """A register's entries of registrants who consented, optionally of one registration number
    (in any of the spellings given); the statement names only the filters given. Each person
    shown is logged as read by ``reader`` (a registrar's subject) under their consent, in the
    same statement (a page showing nobody as a read of the register)."""
    param = Params(org_id, register_code)
    numbered = registration_numbers is not None
    where = _of_register(param, from_date, to_date, by_date=not numbered)
    if numbered:
        where.append(f"e.registration_number = ANY({param(registration_numbers)}::text[])")
    where.append(_CONSENTED_PROBE)
    query = keyset(f"SELECT {_E_RETURNED} FROM ledger_entries e", where, param, asked, key="e.id")
    statement = _LOGGED_PAGE.format(
        query=query, subject=param(reader), request_id=param(request_id), shown=param(asked.limit)
    )
    return [entry(row) for row in await conn.fetch(statement, *param.values)]


async def stream_register(
    pool: asyncpg.Pool,
    org_id: uuid.UUID,
    *,
    register_code: str,
    from_date: date | None,
    to_date: date | None,
    consented_only: bool,
    prefetch: int = 500,
) -> AsyncIterator[LedgerEntry]:
    """A register's entries for a period from a server-side cursor, on a connection of its own.

    Memory stays constant: at most ``prefetch`` rows are held at a time.
    """
    param = Params(org_id, register_code)
    where = _of_register(param, from_date, to_date)
    if consented_only:
        where.append(_CONSENTED)
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        cursor = conn.cursor(
            f"SELECT {_E_RETURNED} FROM ledger_entries e WHERE {' AND '.join(where)}"
            " ORDER BY e.session_date, e.seq",
            *param.values,
            prefetch=prefetch,
        )
        async for row in cursor:
            yield entry(row)


async def session_credits(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, session_id: uuid.UUID, register_code: str
) -> list[LedgerEntry]:
    """A session's credits in a register that have not been reversed."""
    rows = await conn.fetch(
        f"""
        SELECT {_E_RETURNED} FROM ledger_entries e
        WHERE e.org_id = $1 AND e.session_id = $2 AND e.register_code = $3
          AND e.kind = 'credit'
          AND NOT EXISTS (SELECT 1 FROM ledger_entries r
                          WHERE r.org_id = e.org_id AND r.reverses_id = e.id)
        ORDER BY e.person_name, e.id
        """,
        org_id,
        session_id,
        register_code,
    )
    return [entry(row) for row in rows]


async def live_session_credits(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, session_id: uuid.UUID
) -> list[LedgerEntry]:
    """A session's credits in every register that have not been reversed, in chain order."""
    rows = await conn.fetch(
        f"""
        SELECT {_E_RETURNED} FROM ledger_entries e
        WHERE e.org_id = $1 AND e.session_id = $2 AND e.kind = 'credit'
          AND NOT EXISTS (SELECT 1 FROM ledger_entries r
                          WHERE r.org_id = e.org_id AND r.reverses_id = e.id)
        ORDER BY e.seq
        """,
        org_id,
        session_id,
    )
    return [entry(row) for row in rows]


async def people_in_cycle(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, register_code: str, day: date, limit: int
) -> list[uuid.UUID]:
    """The people with a credit in a register whose cycle holds ``day`` (at most ``limit``)."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT person_id FROM ledger_entries
        WHERE org_id = $1 AND register_code = $2 AND kind = 'credit'
          AND cycle_start <= $3 AND cycle_end >= $3
        ORDER BY person_id
        LIMIT $4
        """,
        org_id,
        register_code,
        day,
        limit,
    )
    return [row["person_id"] for row in rows]


async def walk(conn: asyncpg.Connection, org_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    """Every entry of the organisation in chain order, from a server-side cursor."""
    cursor = conn.cursor(
        f"SELECT {_COLUMNS} FROM ledger_entries WHERE org_id = $1 ORDER BY seq, id",
        org_id,
        prefetch=1000,
    )
    async for row in cursor:
        yield dict(row)


async def insert_redaction(
    conn: asyncpg.Connection, org_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await conn.execute(
        f"INSERT INTO ledger_redactions (org_id, {_REDACTION_COLUMNS})"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        org_id,
        *(values[c] for c in _REDACTION_COLUMNS.split(", ")),
    )


async def redactions(
    conn: asyncpg.Connection, org_id: uuid.UUID
) -> dict[uuid.UUID, dict[str, Any]]:
    """The signed redactions of the organisation's shredded version-1 entries, by entry."""
    rows = await conn.fetch(
        f"SELECT {_REDACTION_COLUMNS} FROM ledger_redactions WHERE org_id = $1", org_id
    )
    return {row["entry_id"]: dict(row) for row in rows}


# --- checkpoints ----------------------------------------------------------------------------


async def insert_checkpoint(
    conn: asyncpg.Connection, org_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""
        INSERT INTO checkpoints (org_id, {_CHECKPOINT_COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_CHECKPOINT_COLUMNS}
        """,
        org_id,
        *(values[c] for c in _CHECKPOINT_COLUMNS.split(", ")),
    )
    assert row is not None
    return dict(row)


async def checkpoint_page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset
) -> list[dict[str, Any]]:
    param = Params(org_id)
    query = keyset(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints", ["org_id = $1"], param, asked)
    return [dict(row) for row in await conn.fetch(query, *param.values)]


async def all_checkpoints(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE org_id = $1 ORDER BY seq, id",
        org_id,
    )
    return [dict(row) for row in rows]
