from __future__ import annotations

import uuid

import asyncpg
import msgspec

from services.kit.errors import Conflict, FieldError, NotFound
from services.kit.ids import uuid7

from . import rules
from .schemas import CostSheet, CostSheetIn, Participant

_COLUMNS = """id, session_id, facilitator_id, description, session_starts_at, session_ends_at,
    supply_date, preparation_minutes, travel_minutes, travel_km, hourly_rate_cents,
    rate_per_km_cents, location_cents, other_cents, other_description, sharing, participants,
    created_at"""


def _sheet(row: asyncpg.Record) -> CostSheet:
    values = dict(row)
    minutes = rules.facilitation_minutes(values["session_starts_at"], values["session_ends_at"])
    lines = rules.cost_lines(
        facilitation_minutes=minutes,
        preparation_minutes=values["preparation_minutes"],
        travel_minutes=values["travel_minutes"],
        travel_km=values["travel_km"],
        location_cents=values["location_cents"],
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
    """A new cost sheet; one per session (a second is a 409)."""
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO cost_sheets (
                org_id, id, session_id, facilitator_id, description, session_starts_at,
                session_ends_at, supply_date, preparation_minutes, travel_minutes, travel_km,
                hourly_rate_cents, rate_per_km_cents, location_cents, other_cents,
                other_description, sharing, participants
            )
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
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
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            f"Session {data.session_id} already has a cost sheet.",
            errors=[FieldError(field="body.session_id", rule="unique", message="already has one")],
        ) from exc
    assert row is not None
    return _sheet(row)


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, sheet_id: uuid.UUID) -> CostSheet:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM cost_sheets WHERE org_id = $1 AND id = $2", org_id, sheet_id
    )
    if row is None:
        raise NotFound(f"No cost sheet {sheet_id}.")
    return _sheet(row)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    facilitator_id: uuid.UUID | None,
) -> list[CostSheet]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM cost_sheets
        WHERE org_id = $1
          AND ($2::uuid IS NULL OR id > $2)
          AND ($3::uuid IS NULL OR facilitator_id = $3)
        ORDER BY id
        LIMIT $4
        """,
        org_id,
        after,
        facilitator_id,
        limit + 1,
    )
    return [_sheet(row) for row in rows]


async def sheet_of_session(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> uuid.UUID | None:
    """The id of the session's cost sheet, its row locked for this transaction."""
    value = await conn.fetchval(
        "SELECT id FROM cost_sheets WHERE org_id = $1 AND session_id = $2 FOR UPDATE",
        org_id,
        session_id,
    )
    return value if isinstance(value, uuid.UUID) else None
