from __future__ import annotations

import uuid
from datetime import date

import asyncpg
import msgspec

from services.kit.db import one, upserted_values
from services.kit.errors import Conflict
from services.kit.ids import uuid7

from .schemas import OrganisationRegisterIn, Register, RuleSet, RuleSetIn, RuleSpec

_COLUMNS = "code, name, full_name, profession, website, counts_intervisie, notes"
_BOTH = f"""
    SELECT {_COLUMNS}, 'catalogue' AS defined_by FROM registers
    UNION ALL
    SELECT code, name, full_name, profession, website, true, notes, 'organisation'
    FROM organisation_registers WHERE org_id = $1
"""
_RULE_SET_COLUMNS = "id, register_code, version, valid_from, rules, created_at, overrides, reason"


def _register(row: asyncpg.Record) -> Register:
    return Register(**dict(row))


def _rule_set(row: asyncpg.Record) -> RuleSet:
    values = dict(row)
    values["rules"] = msgspec.convert(values["rules"], RuleSpec)
    return RuleSet(**values)


async def list_all(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[Register]:
    """The catalogue and the organisation's own registers, ordered by code."""
    rows = await conn.fetch(f"SELECT * FROM ({_BOTH}) AS r ORDER BY code", org_id)
    return [_register(row) for row in rows]


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> Register:
    query = f"SELECT * FROM ({_BOTH}) AS r WHERE code = $2"
    return _register(await one(conn, query, org_id, code, missing=f"No register {code!r}."))


async def upsert_organisation_register(
    conn: asyncpg.Connection, org_id: uuid.UUID, code: str, data: OrganisationRegisterIn
) -> tuple[Register, bool]:
    """Create or update one of the organisation's registers; whether it was created."""
    if await conn.fetchval("SELECT 1 FROM registers WHERE code = $1", code):
        raise Conflict(f"{code!r} is a catalogue register.")
    try:
        row = await conn.fetchrow(
            """
            INSERT INTO organisation_registers
                (org_id, code, name, full_name, profession, website, notes)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (org_id, code) DO UPDATE
            SET name = EXCLUDED.name, full_name = EXCLUDED.full_name,
                profession = EXCLUDED.profession, website = EXCLUDED.website,
                notes = EXCLUDED.notes
            RETURNING code, name, full_name, profession, website, true AS counts_intervisie,
                      notes, 'organisation' AS defined_by, (xmax = 0) AS inserted
            """,
            org_id,
            code,
            data.name,
            data.full_name,
            data.profession,
            data.website,
            data.notes,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(f"The organisation already has a register named {data.name!r}.") from exc
    assert row is not None
    values, inserted = upserted_values(row)
    return Register(**values), inserted


async def rule_sets(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> list[RuleSet]:
    rows = await conn.fetch(
        f"""
        SELECT {_RULE_SET_COLUMNS} FROM rule_sets
        WHERE (org_id IS NULL OR org_id = $1) AND register_code = $2
        ORDER BY version
        """,
        org_id,
        code,
    )
    return [_rule_set(row) for row in rows]


async def lock_rule_sets(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> None:
    """Until the transaction ends, no other new version of this tenant's register's rules."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('kring-rules:' || $1 || ':' || $2, 0))",
        str(org_id),
        code,
    )


async def latest_valid_from(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> date | None:
    """The date the latest version of a register's rules started, the catalogue's or the
    organisation's."""
    value = await conn.fetchval(
        """
        SELECT max(valid_from) FROM rule_sets
        WHERE (org_id IS NULL OR org_id = $1) AND register_code = $2
        """,
        org_id,
        code,
    )
    return value if isinstance(value, date) else None


async def catalogue_rules_on(conn: asyncpg.Connection, code: str, day: date) -> RuleSpec | None:
    """The catalogue's rules for a register in force on ``day``."""
    value = await conn.fetchval(
        """
        SELECT rules FROM rule_sets
        WHERE org_id IS NULL AND register_code = $1 AND valid_from <= $2
        ORDER BY valid_from DESC, version DESC
        LIMIT 1
        """,
        code,
        day,
    )
    return None if value is None else msgspec.convert(value, RuleSpec)


async def add_rule_set(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    code: str,
    data: RuleSetIn,
    *,
    overrides: bool,
) -> RuleSet:
    """The next version of a register's rules for the organisation (numbered after every
    version it sees, the catalogue's too); earlier versions stay as they are."""
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO rule_sets
                (id, org_id, register_code, version, valid_from, rules, overrides, reason)
            SELECT $1, $2, $3, COALESCE(max(version), 0) + 1, $4, $5, $6, $7
            FROM rule_sets WHERE (org_id IS NULL OR org_id = $2) AND register_code = $3
            RETURNING {_RULE_SET_COLUMNS}
            """,
            uuid7(),
            org_id,
            code,
            data.valid_from,
            msgspec.to_builtins(data.rules),
            overrides,
            data.reason,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("A version was added concurrently; retry.") from exc
    assert row is not None
    return _rule_set(row)
