"""SQL of attendance, its amendments, and the attendees of the proof and of the closed event."""

from __future__ import annotations

import uuid
from dataclasses import astuple, dataclass
from datetime import datetime

import asyncpg
import msgspec

from services.kit.errors import Conflict, FieldError, NotFound
from services.kit.ids import uuid7

from ..people.rules import full_name
from ..sessions.rules import local
from ..sessions.schemas import EventAttendee
from .schemas import Amendment, Attendance, ProofAttendee

_ATTENDANCE = """
    session_id, person_id, status, arrived_at, departed_at, joined, confirmed_at, recorded_at,
    updated_at
"""


def _attendance(row: asyncpg.Record) -> Attendance:
    values = dict(row)
    for key in ("arrived_at", "departed_at"):
        if values[key] is not None:
            values[key] = local(values[key])
    return Attendance(**values)


@dataclass(frozen=True)
class Entry:
    """What is recorded of one member: present (with arrival and departure), absent, excused.

    Its fields are the statements' parameters in this order."""

    status: str
    arrived_at: datetime | None
    departed_at: datetime | None


async def _write(conn: asyncpg.Connection, query: str, *args: object) -> Attendance:
    """One statement that writes an attendance row; the database refuses to rewrite a closed
    session's attendance except by amendment (409)."""
    try:
        row = await conn.fetchrow(query, *args)
    except asyncpg.RestrictViolationError as exc:
        message = str(exc).split("\n")[0]
        raise Conflict(
            message,
            errors=[FieldError(field="path.session_id", rule="immutable", message=message)],
        ) from exc
    assert row is not None
    return _attendance(row)


async def record(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    entry: Entry,
    *,
    joined: str | None,
    by: str,
) -> Attendance:
    """``joined``: how the member joined a hybrid session, when the facilitator says."""
    return await _write(
        conn,
        f"""
        INSERT INTO attendance
            (org_id, session_id, person_id, status, arrived_at, departed_at, recorded_by,
             joined)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (org_id, session_id, person_id) DO UPDATE
        SET status = EXCLUDED.status, arrived_at = EXCLUDED.arrived_at,
            departed_at = EXCLUDED.departed_at, recorded_by = EXCLUDED.recorded_by,
            joined = EXCLUDED.joined, updated_at = now()
        RETURNING {_ATTENDANCE}
        """,
        org_id,
        session_id,
        person_id,
        *astuple(entry),
        by,
        joined,
    )


async def attendance(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID, person_id: uuid.UUID
) -> Attendance | None:
    row = await conn.fetchrow(
        f"SELECT {_ATTENDANCE} FROM attendance"
        " WHERE org_id = $1 AND session_id = $2 AND person_id = $3",
        org_id,
        session_id,
        person_id,
    )
    return _attendance(row) if row else None


async def recorded(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> list[uuid.UUID]:
    """The people whose attendance of the session is recorded."""
    rows = await conn.fetch(
        "SELECT person_id FROM attendance WHERE org_id = $1 AND session_id = $2",
        org_id,
        session_id,
    )
    return [row["person_id"] for row in rows]


async def has_attendance(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT FROM attendance WHERE org_id = $1 AND session_id = $2)",
            org_id,
            session_id,
        )
    )


async def absences(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group_id: uuid.UUID,
    *,
    starts_from: datetime,
    starts_before: datetime,
) -> dict[uuid.UUID, int]:
    """Absences (not excused) per member in the group's sessions of a period, cancelled ones not
    counted."""
    rows = await conn.fetch(
        """
        SELECT a.person_id, count(*) AS absences
        FROM attendance a JOIN sessions s ON s.org_id = a.org_id AND s.id = a.session_id
        WHERE a.org_id = $1 AND s.group_id = $2 AND s.status <> 'cancelled'
          AND a.status = 'absent' AND s.starts_at >= $3 AND s.starts_at < $4
        GROUP BY a.person_id
        """,
        org_id,
        group_id,
        starts_from,
        starts_before,
    )
    return {row["person_id"]: row["absences"] for row in rows}


async def confirm(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID, person_id: uuid.UUID
) -> Attendance | None:
    """A present participant confirms; confirming again changes nothing."""
    row = await conn.fetchrow(
        f"""
        UPDATE attendance SET confirmed_at = now(), updated_at = now()
        WHERE org_id = $1 AND session_id = $2 AND person_id = $3 AND status = 'present'
          AND confirmed_at IS NULL
        RETURNING {_ATTENDANCE}
        """,
        org_id,
        session_id,
        person_id,
    )
    return _attendance(row) if row else await attendance(conn, org_id, session_id, person_id)


async def amend(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    entry: Entry,
    *,
    reason: str,
    by: str,
) -> Attendance:
    """Correct a closed session's attendance: the amendment (with reason) first, then the row.

    A changed record needs the participant's confirmation again.
    """
    amendment_id = uuid7()
    inserted = await conn.fetchval(
        """
        INSERT INTO attendance_amendments
            (org_id, id, session_id, person_id, status, arrived_at, departed_at,
             previous_status, previous_arrived_at, previous_departed_at, reason, amended_by)
        SELECT $1, $2, $3, $4, $5, $6, $7, status, arrived_at, departed_at, $8, $9
        FROM attendance WHERE org_id = $1 AND session_id = $3 AND person_id = $4
        RETURNING id
        """,
        org_id,
        amendment_id,
        session_id,
        person_id,
        *astuple(entry),
        reason,
        by,
    )
    if inserted is None:
        raise NotFound(f"No attendance of person {person_id} in session {session_id}.")
    return await _write(
        conn,
        f"""
        UPDATE attendance
        SET status = $4, arrived_at = $5, departed_at = $6, amendment_id = $7,
            confirmed_at = CASE WHEN (status, arrived_at, departed_at)
                                     IS NOT DISTINCT FROM ($4, $5, $6)
                                THEN confirmed_at END,
            updated_at = now()
        WHERE org_id = $1 AND session_id = $2 AND person_id = $3
        RETURNING {_ATTENDANCE}
        """,
        org_id,
        session_id,
        person_id,
        *astuple(entry),
        amendment_id,
    )


class _AttendeeRow(msgspec.Struct, frozen=True):
    person_id: uuid.UUID
    given_name: str
    family_name: str
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    confirmed_at: datetime | None
    amendments: list[Amendment]


async def proof_attendees(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> list[ProofAttendee]:
    """Everyone recorded, by name, with their confirmation and the amendments of their record."""
    value = await conn.fetchval(
        """
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'person_id', a.person_id,
                   'given_name', p.given_name, 'family_name', p.family_name,
                   'status', a.status, 'arrived_at', a.arrived_at,
                   'departed_at', a.departed_at, 'confirmed_at', a.confirmed_at,
                   'amendments', coalesce((
                       SELECT jsonb_agg(to_jsonb(x) - 'org_id' - 'session_id' - 'person_id'
                                        ORDER BY x.id)
                       FROM attendance_amendments x
                       WHERE x.org_id = a.org_id AND x.session_id = a.session_id
                         AND x.person_id = a.person_id), '[]'::jsonb))
                   ORDER BY p.family_name, p.given_name, a.person_id), '[]'::jsonb)
        FROM attendance a JOIN people p ON p.org_id = a.org_id AND p.id = a.person_id
        WHERE a.org_id = $1 AND a.session_id = $2
        """,
        org_id,
        session_id,
    )
    return [
        ProofAttendee(
            person_id=a.person_id,
            name=full_name(a.given_name, a.family_name),
            status=a.status,  # type: ignore[arg-type]
            arrived_at=local(a.arrived_at) if a.arrived_at else None,
            departed_at=local(a.departed_at) if a.departed_at else None,
            confirmed_at=a.confirmed_at,
            amendments=a.amendments,
        )
        for a in msgspec.convert(value, list[_AttendeeRow], strict=False)
    ]


async def event_attendees(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> list[EventAttendee]:
    """Everyone recorded, with the names and register numbers they have now (for a snapshot);
    ``joined`` as recorded (``attendance.rules.joined_as`` tells how they took part)."""
    value = await conn.fetchval(
        """
        SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'person_id', a.person_id,
                   'given_name', p.given_name, 'family_name', p.family_name,
                   'employer_id', p.employer_id, 'status', a.status,
                   'arrived_at', a.arrived_at, 'departed_at', a.departed_at,
                   'joined', a.joined,
                   'registrations', coalesce((
                       SELECT jsonb_agg(jsonb_build_object('register', r.register,
                                                           'number', r.number,
                                                           'registered_on', r.registered_on)
                                        ORDER BY r.register)
                       FROM person_registrations r
                       WHERE r.org_id = $1 AND r.person_id = a.person_id), '[]'::jsonb))
                   ORDER BY p.family_name, p.given_name, a.person_id), '[]'::jsonb)
        FROM attendance a JOIN people p ON p.org_id = a.org_id AND p.id = a.person_id
        WHERE a.org_id = $1 AND a.session_id = $2
        """,
        org_id,
        session_id,
    )
    named = [{**a, "name": full_name(a["given_name"], a["family_name"])} for a in value]
    return msgspec.convert(named, list[EventAttendee], strict=False)
