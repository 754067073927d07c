from __future__ import annotations

import uuid

import asyncpg
import msgspec

from services.kit.db import one
from services.kit.errors import Conflict, FieldError
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from . import rules
from .lines import cost_lines
from .schemas import CostSheet, CostSheetIn, CostsIn, Participant

_COLUMNS = """id, session_id, facilitator_id, description, session_starts_at, session_ends_at,
    supply_date, preparation_minutes, travel_minutes, travel_km, hourly_rate_cents,
    rate_per_km_cents, location_cents, location_description, other_cents, other_description,
    sharing, participants, revision, revised_at, superseded_at, created_at"""


def _sheet(row: asyncpg.Record) -> CostSheet:
    values = dict(row)
    minutes = rules.facilitation_minutes(values["session_starts_at"], values["session_ends_at"])
    lines = cost_lines(
        facilitation_minutes=minutes,
        preparation_minutes=values["preparation_minutes"],
        travel_minutes=values["travel_minutes"],
        travel_km=values["travel_km"],
        location_cents=values["location_cents"],
        location_description=values["location_description"],
        other_cents=values["other_cents"],
        other_description=values["other_description"],
        hourly_rate_cents=values["hourly_rate_cents"],
        rate_per_km_cents=values["rate_per_km_cents"],
    )
    values["participants"] = msgspec.convert(values["participants"], list[Participant])
    return CostSheet(
        **values,
        facilitation_minutes=minutes,
        lines=lines,
        total_cents=sum(line.amount_cents for line in lines),
    )


async def insert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    data: CostSheetIn,
    *,
    participants: list[Participant],
    hourly_rate_cents: int,
    rate_per_km_cents: int,
) -> CostSheet:
    """A new cost sheet; one current sheet per session (a second at once is a 409)."""
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO cost_sheets (
                org_id, id, session_id, facilitator_id, description, session_starts_at,
                session_ends_at, supply_date, preparation_minutes, travel_minutes, travel_km,
                hourly_rate_cents, rate_per_km_cents, location_cents, other_cents,
                other_description, sharing, participants, location_description
            )
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                    $19)
            RETURNING {_COLUMNS}
            """,
            org_id,
            uuid7(),
            data.session_id,
            data.facilitator_id,
            data.description,
            data.session_starts_at,
            data.session_ends_at,
            rules.supply_date(data.session_starts_at),
            data.preparation_minutes,
            data.travel_minutes,
            data.travel_km,
            hourly_rate_cents,
            rate_per_km_cents,
            data.location_cents,
            data.other_cents,
            data.other_description,
            data.sharing,
            participants,
            data.location_description,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            f"Session {data.session_id} already has a cost sheet.",
            errors=[FieldError(field="body.session_id", rule="unique", message="already has one")],
        ) from exc
    assert row is not None
    return _sheet(row)


async def get(
    conn: asyncpg.Connection, org_id: uuid.UUID, sheet_id: uuid.UUID, *, lock: bool = False
) -> CostSheet:
    """One cost sheet; ``lock`` takes its row for the rest of the transaction (``FOR UPDATE``)."""
    query = f"SELECT {_COLUMNS} FROM cost_sheets WHERE org_id = $1 AND id = $2"
    query += " FOR UPDATE" if lock else ""
    return _sheet(await one(conn, query, org_id, sheet_id, missing=f"No cost sheet {sheet_id}."))


async def revise(
    conn: asyncpg.Connection, org_id: uuid.UUID, sheet_id: uuid.UUID, costs: CostsIn
) -> CostSheet:
    """The sheet with ``costs`` in place of its own, its revision counted."""
    row = await one(
        conn,
        f"""
        UPDATE cost_sheets
        SET preparation_minutes = $3, travel_minutes = $4, travel_km = $5, location_cents = $6,
            location_description = $7, other_cents = $8, other_description = $9,
            revision = revision + 1, revised_at = now()
        WHERE org_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        org_id,
        sheet_id,
        costs.preparation_minutes,
        costs.travel_minutes,
        costs.travel_km,
        costs.location_cents,
        costs.location_description,
        costs.other_cents,
        costs.other_description,
        missing=f"No cost sheet {sheet_id}.",
    )
    return _sheet(row)


async def supersede(conn: asyncpg.Connection, org_id: uuid.UUID, sheet_id: uuid.UUID) -> None:
    """The sheet is no longer its session's: a new one replaces it."""
    await conn.execute(
        "UPDATE cost_sheets SET superseded_at = now()"
        " WHERE org_id = $1 AND id = $2 AND superseded_at IS NULL",
        org_id,
        sheet_id,
    )


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, facilitator_id: uuid.UUID | None
) -> list[CostSheet]:
    """A page of cost sheets by id; of one facilitator, when given."""
    param, where = Params(org_id), ["org_id = $1"]
    if facilitator_id is not None:
        where.append(f"facilitator_id = {param(facilitator_id)}")
    query = keyset(f"SELECT {_COLUMNS} FROM cost_sheets", where, param, asked)
    return [_sheet(row) for row in await conn.fetch(query, *param.values)]


async def sheet_of_session(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> uuid.UUID | None:
    """The id of the session's current cost sheet (not superseded), its row locked for this
    transaction."""
    value = await conn.fetchval(
        "SELECT id FROM cost_sheets"
        " WHERE org_id = $1 AND session_id = $2 AND superseded_at IS NULL FOR UPDATE",
        org_id,
        session_id,
    )
    return value if isinstance(value, uuid.UUID) else None
