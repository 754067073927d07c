"""SQL of sessions, their history, attendance and amendments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from services.kit.errors import Conflict, FieldError, NotFound
from services.kit.ids import uuid7
from services.kit.sql import Params

from . import rules
from .schemas import (
    Amendment,
    Attendance,
    EventAttendee,
    EventFacilitator,
    ProofAttendee,
    Session,
    SessionChange,
    SessionClosedData,
)

_COLUMNS = """
    s.id, s.group_id, s.series_id, s.rrule, s.occurrence, s.status, s.starts_at, s.ends_at,
    s.mode, s.location, s.video_link, s.method_id, s.facilitator_id, s.description, s.sequence,
    s.cancel_reason, s.closed_at, s.facilitator_signed_at, s.created_at, s.updated_at
"""
_ATTENDANCE = """
    session_id, person_id, status, arrived_at, departed_at, confirmed_at, recorded_at, updated_at
"""
# A person belongs to a session: its facilitator, or a member who had not left when it began.
_BOOKED = """
    (s.facilitator_id = {person} OR EXISTS (
        SELECT FROM group_members m
        WHERE m.org_id = s.org_id AND m.group_id = s.group_id AND m.person_id = {person}
          AND (m.left_at IS NULL OR m.left_at > s.starts_at)))
"""


def _booked_by(person: str, org: str = "$1") -> str:
    """The sessions ``person`` (a parameter; ``org`` the tenant's) facilitates or belongs to.

    Found through the facilitator and group indexes (a bitmap OR of the two, the member's
    groups read once) rather than by testing every session of the tenant; ``_BOOKED`` then
    applies the membership's dates.
    """
    return f"""
    (s.facilitator_id = {person} OR s.group_id = ANY (ARRAY(
        SELECT m.group_id FROM group_members m WHERE m.org_id = {org} AND m.person_id = {person}
    ))) AND {_BOOKED.format(person=person)}
    """


@dataclass(frozen=True)
class GroupFacts:
    id: uuid.UUID
    name: str
    facilitator_id: uuid.UUID
    mode: str
    location: str | None
    default_method_id: uuid.UUID | None
    max_absences: int


def session_of(row: Mapping[str, Any]) -> Session:
    values = dict(row)
    starts_at, ends_at = rules.local(values.pop("starts_at")), rules.local(values.pop("ends_at"))
    return Session(
        **values,
        starts_at=starts_at,
        ends_at=ends_at,
        local_start=rules.local_text(starts_at),
        local_end=rules.local_text(ends_at),
        timezone=rules.TIMEZONE,
    )


def _attendance(row: asyncpg.Record) -> Attendance:
    values = dict(row)
    for key in ("arrived_at", "departed_at"):
        if values[key] is not None:
            values[key] = rules.local(values[key])
    return Attendance(**values)


def _immutable(exc: asyncpg.PostgresError) -> Conflict:
    message = str(exc).split("\n")[0]
    return Conflict(
        message, errors=[FieldError(field="path.session_id", rule="immutable", message=message)]
    )


# --- groups, methods, people -----------------------------------------------------------------


async def group(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, field: str
) -> GroupFacts:
    row = await conn.fetchrow(
        """
        SELECT id, name, facilitator_id, mode, location, default_method_id, max_absences
        FROM groups WHERE org_id = $1 AND id = $2
        """,
        org_id,
        group_id,
    )
    if row is None:
        raise NotFound(
            f"No group {group_id}.",
            errors=[FieldError(field=field, rule="exists", message="no such group")],
        )
    return GroupFacts(**dict(row))


async def check_method(conn: asyncpg.Connection, org_id: uuid.UUID, method_id: uuid.UUID) -> None:
    """The catalogue's methods and the tenant's own are visible; anything else is a 404."""
    found = await conn.fetchval(
        "SELECT true FROM methods WHERE id = $1 AND (org_id IS NULL OR org_id = $2)",
        method_id,
        org_id,
    )
    if not found:
        raise NotFound(
            f"No method {method_id}.",
            errors=[FieldError(field="body.method_id", rule="exists", message="no such method")],
        )


async def check_person(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> None:
    if not await conn.fetchval(
        "SELECT true FROM people WHERE org_id = $1 AND id = $2", org_id, person_id
    ):
        raise NotFound(f"No person {person_id}.")


async def members(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, at: datetime
) -> list[uuid.UUID]:
    """Members of the group who had not left when ``at`` came."""
    rows = await conn.fetch(
        """
        SELECT person_id FROM group_members
        WHERE org_id = $1 AND group_id = $2 AND (left_at IS NULL OR left_at > $3)
        ORDER BY person_id
        """,
        org_id,
        group_id,
        at,
    )
    return [row["person_id"] for row in rows]


# --- sessions --------------------------------------------------------------------------------


async def lock_bookings(conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
    """Serialise bookings per tenant, so that two overlapping plans cannot both pass the check."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('kring.scheduling.bookings:' || $1, 0))",
        str(org_id),
    )


@dataclass(frozen=True)
class DoubleBooking:
    occurrence: int
    session_id: uuid.UUID
    person_id: uuid.UUID


async def double_booking(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    group_id: uuid.UUID,
    facilitator_id: uuid.UUID,
    occurrences: Sequence[rules.Occurrence],
    exclude: uuid.UUID | None = None,
) -> DoubleBooking | None:
    """The first other session, not cancelled, overlapping an occurrence and sharing a person."""
    row = await conn.fetchrow(
        f"""
        WITH people AS (
            SELECT $3::uuid AS person_id
            UNION
            SELECT person_id FROM group_members
            WHERE org_id = $1 AND group_id = $2 AND left_at IS NULL
        ),
        wanted AS (
            SELECT * FROM unnest($4::int[], $5::timestamptz[], $6::timestamptz[])
                AS o(number, starts_at, ends_at)
        )
        SELECT o.number, s.id AS session_id, p.person_id
        FROM wanted o
        JOIN sessions s ON s.org_id = $1 AND s.status <> 'cancelled'
            AND s.starts_at < o.ends_at AND s.ends_at > o.starts_at
            AND s.id IS DISTINCT FROM $7
        JOIN people p ON {_BOOKED.format(person="p.person_id")}
        ORDER BY o.number, s.starts_at, s.id, p.person_id
        LIMIT 1
        """,
        org_id,
        group_id,
        facilitator_id,
        [o.number for o in occurrences],
        [o.starts_at for o in occurrences],
        [o.ends_at for o in occurrences],
        exclude,
    )
    if row is None:
        return None
    return DoubleBooking(
        occurrence=row["number"], session_id=row["session_id"], person_id=row["person_id"]
    )


@dataclass(frozen=True)
class NewSessions:
    group_id: uuid.UUID
    facilitator_id: uuid.UUID
    series_id: uuid.UUID | None
    rrule: str | None
    mode: str
    location: str | None
    video_link: str | None
    method_id: uuid.UUID | None
    description: str | None


async def insert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    plan: NewSessions,
    occurrences: Sequence[rules.Occurrence],
) -> list[Session]:
    rows = await conn.fetch(
        f"""
        WITH inserted AS (
            INSERT INTO sessions AS s
                (org_id, id, group_id, series_id, rrule, occurrence, starts_at, ends_at, mode,
                 location, video_link, method_id, facilitator_id, description)
            SELECT $1, o.id, $2, $3, $4, CASE WHEN $3::uuid IS NULL THEN NULL ELSE o.number END,
                   o.starts_at, o.ends_at, $5, $6, $7, $8, $9, $10
            FROM unnest($11::uuid[], $12::int[], $13::timestamptz[], $14::timestamptz[])
                AS o(id, number, starts_at, ends_at)
            RETURNING {_COLUMNS}
        )
        SELECT * FROM inserted s ORDER BY s.starts_at
        """,
        org_id,
        plan.group_id,
        plan.series_id,
        plan.rrule,
        plan.mode,
        plan.location,
        plan.video_link,
        plan.method_id,
        plan.facilitator_id,
        plan.description,
        sorted(uuid7() for _ in occurrences),
        [o.number for o in occurrences],
        [o.starts_at for o in occurrences],
        [o.ends_at for o in occurrences],
    )
    return [session_of(row) for row in rows]


async def get(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = False
) -> Session:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM sessions s WHERE s.org_id = $1 AND s.id = $2"
        + (" FOR UPDATE" if lock else ""),
        org_id,
        session_id,
    )
    if row is None:
        raise NotFound(f"No session {session_id}.")
    return session_of(row)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    group_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    status: str | None = None,
) -> list[Session]:
    """A page of sessions in the order they start (then by id); the statement names only the
    filters given. The cursor is the last session of the previous page: the next page starts
    after its (start, id)."""
    param = Params(org_id)
    where = ["s.org_id = $1"]
    if after is not None:
        where.append(
            "(s.starts_at, s.id) > (SELECT c.starts_at, c.id FROM sessions c "
            f"WHERE c.org_id = $1 AND c.id = {param(after)})"
        )
    if group_id is not None:
        where.append(f"s.group_id = {param(group_id)}")
    if person_id is not None:
        where.append(_booked_by(param(person_id)))
    if starts_from is not None:
        where.append(f"s.starts_at >= {param(starts_from)}")
    if starts_before is not None:
        where.append(f"s.starts_at < {param(starts_before)}")
    if status is not None:
        where.append(f"s.status = {param(status)}")
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM sessions s WHERE {' AND '.join(where)} "
        f"ORDER BY s.starts_at, s.id LIMIT {param(limit + 1)}",
        *param.values,
    )
    return [session_of(row) for row in rows]


async def for_calendar(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    group_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
) -> list[tuple[Session, str]]:
    """Every session of a group or a person (cancelled ones too), with its group's name."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS}, g.name AS group_name
        FROM sessions s JOIN groups g ON g.org_id = s.org_id AND g.id = s.group_id
        WHERE s.org_id = $1
          AND ($2::uuid IS NULL OR s.group_id = $2)
          AND ($3::uuid IS NULL OR {_booked_by("$3")})
        ORDER BY s.starts_at, s.id
        """,
        org_id,
        group_id,
        person_id,
    )
    result = []
    for row in rows:
        values = dict(row)
        name = values.pop("group_name")
        result.append((session_of(values), name))
    return result


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


async def reschedule(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: Session,
    occurrence: rules.Occurrence,
    *,
    reason: str,
    by: str,
) -> Session:
    """Move a planned session, increment its SEQUENCE and keep the move in its history."""
    row = await conn.fetchrow(
        f"""
        WITH moved AS (
            UPDATE sessions s
            SET starts_at = $3, ends_at = $4, sequence = sequence + 1, updated_at = now()
            WHERE s.org_id = $1 AND s.id = $2 AND s.status = 'planned'
            RETURNING {_COLUMNS}
        ), change AS (
            INSERT INTO session_changes
                (org_id, id, session_id, kind, reason, previous_starts_at, previous_ends_at,
                 starts_at, ends_at, sequence, changed_by)
            SELECT $1, $5, id, 'rescheduled', $6, $7, $8, starts_at, ends_at, sequence, $9
            FROM moved
        )
        SELECT * FROM moved s
        """,
        org_id,
        session.id,
        occurrence.starts_at,
        occurrence.ends_at,
        uuid7(),
        reason,
        session.starts_at,
        session.ends_at,
        by,
    )
    if row is None:
        raise NotFound(f"No session {session.id}.")
    return session_of(row)


async def cancel(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session, *, reason: str, by: str
) -> Session:
    row = await conn.fetchrow(
        f"""
        WITH cancelled AS (
            UPDATE sessions s
            SET status = 'cancelled', cancel_reason = $3, sequence = sequence + 1,
                updated_at = now()
            WHERE s.org_id = $1 AND s.id = $2 AND s.status IN ('planned', 'closed')
            RETURNING {_COLUMNS}
        ), change AS (
            INSERT INTO session_changes
                (org_id, id, session_id, kind, reason, previous_starts_at, previous_ends_at,
                 starts_at, ends_at, sequence, changed_by)
            SELECT $1, $4, id, 'cancelled', $3, starts_at, ends_at, starts_at, ends_at,
                   sequence, $5
            FROM cancelled
        )
        SELECT * FROM cancelled s
        """,
        org_id,
        session.id,
        reason,
        uuid7(),
        by,
    )
    if row is None:
        raise NotFound(f"No session {session.id}.")
    return session_of(row)


async def changes(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> list[SessionChange]:
    rows = await conn.fetch(
        """
        SELECT id, kind, reason, previous_starts_at, previous_ends_at, starts_at, ends_at,
               sequence, changed_by, changed_at
        FROM session_changes WHERE org_id = $1 AND session_id = $2 ORDER BY id
        """,
        org_id,
        session_id,
    )
    result = []
    for row in rows:
        values = dict(row)
        for key in ("previous_starts_at", "previous_ends_at", "starts_at", "ends_at"):
            values[key] = rules.local(values[key])
        result.append(SessionChange(**values))
    return result


async def close(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    *,
    description: str | None,
    by: str,
    facilitator_signs: bool,
) -> Session:
    row = await conn.fetchrow(
        f"""
        UPDATE sessions s
        SET status = 'closed', closed_at = now(), closed_by = $3,
            description = coalesce($4, description),
            facilitator_signed_at = CASE WHEN $5 THEN now() END, updated_at = now()
        WHERE s.org_id = $1 AND s.id = $2 AND s.status = 'planned'
        RETURNING {_COLUMNS}
        """,
        org_id,
        session_id,
        by,
        description,
        facilitator_signs,
    )
    if row is None:
        raise NotFound(f"No session {session_id}.")
    return session_of(row)


async def sign_as_facilitator(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> Session:
    """The facilitator's signature on a closed session (once; signing again changes nothing)."""
    row = await conn.fetchrow(
        f"""
        UPDATE sessions s SET facilitator_signed_at = now(), updated_at = now()
        WHERE s.org_id = $1 AND s.id = $2 AND s.status = 'closed'
          AND s.facilitator_signed_at IS NULL
        RETURNING {_COLUMNS}
        """,
        org_id,
        session_id,
    )
    return session_of(row) if row else await get(conn, org_id, session_id)


# --- attendance ------------------------------------------------------------------------------


async def record(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    status: str,
    arrived_at: datetime | None,
    departed_at: datetime | None,
    by: str,
) -> Attendance:
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO attendance
                (org_id, session_id, person_id, status, arrived_at, departed_at, recorded_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (org_id, session_id, person_id) DO UPDATE
            SET status = EXCLUDED.status, arrived_at = EXCLUDED.arrived_at,
                departed_at = EXCLUDED.departed_at, recorded_by = EXCLUDED.recorded_by,
                updated_at = now()
            RETURNING {_ATTENDANCE}
            """,
            org_id,
            session_id,
            person_id,
            status,
            arrived_at,
            departed_at,
            by,
        )
    except asyncpg.RestrictViolationError as exc:
        raise _immutable(exc) from exc
    assert row is not None
    return _attendance(row)


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


async def unrecorded(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> list[uuid.UUID]:
    """Members of the session without an attendance record."""
    rows = await conn.fetch(
        """
        SELECT m.person_id FROM group_members m
        WHERE m.org_id = $1 AND m.group_id = $2 AND (m.left_at IS NULL OR m.left_at > $3)
          AND NOT EXISTS (
              SELECT FROM attendance a
              WHERE a.org_id = m.org_id AND a.session_id = $4 AND a.person_id = m.person_id)
        ORDER BY m.person_id
        """,
        org_id,
        session.group_id,
        session.starts_at,
        session.id,
    )
    return [row["person_id"] for row in rows]


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
    *,
    status: str,
    arrived_at: datetime | None,
    departed_at: datetime | None,
    reason: str,
    by: str,
) -> Attendance:
    """Correct a closed session's attendance: the amendment (with reason) first, then the row.

    A changed record needs the participant's confirmation again.
    """
    amendment_id = uuid7()
    try:
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
            status,
            arrived_at,
            departed_at,
            reason,
            by,
        )
        if inserted is None:
            raise NotFound(f"No attendance of person {person_id} in session {session_id}.")
        row = await conn.fetchrow(
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
            status,
            arrived_at,
            departed_at,
            amendment_id,
        )
    except asyncpg.RestrictViolationError as exc:
        raise _immutable(exc) from exc
    assert row is not None
    return _attendance(row)


# --- proof -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProofFacts:
    group_name: str
    max_absences: int
    method_name: str | None
    facilitator_name: str
    attendees: list[ProofAttendee]


class _AttendeeRow(msgspec.Struct, frozen=True):
    person_id: uuid.UUID
    name: str
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    confirmed_at: datetime | None
    amendments: list[Amendment]


async def proof_facts(conn: asyncpg.Connection, org_id: uuid.UUID, session: Session) -> ProofFacts:
    row = await conn.fetchrow(
        """
        SELECT g.name AS group_name, g.max_absences, m.name AS method_name,
               f.given_name || ' ' || f.family_name AS facilitator_name,
               coalesce((
                   SELECT jsonb_agg(jsonb_build_object(
                       'person_id', a.person_id, 'name', p.given_name || ' ' || p.family_name,
                       'status', a.status, 'arrived_at', a.arrived_at,
                       'departed_at', a.departed_at, 'confirmed_at', a.confirmed_at,
                       'amendments', coalesce((
                           SELECT jsonb_agg(to_jsonb(x) - 'org_id' - 'session_id' - 'person_id'
                                            ORDER BY x.id)
                           FROM attendance_amendments x
                           WHERE x.org_id = a.org_id AND x.session_id = a.session_id
                             AND x.person_id = a.person_id), '[]'::jsonb))
                       ORDER BY p.family_name, p.given_name, a.person_id)
                   FROM attendance a JOIN people p ON p.org_id = a.org_id AND p.id = a.person_id
                   WHERE a.org_id = $1 AND a.session_id = $2
               ), '[]'::jsonb) AS attendees
        FROM groups g
        JOIN people f ON f.org_id = g.org_id AND f.id = $3
        LEFT JOIN methods m ON m.id = $4
        WHERE g.org_id = $1 AND g.id = $5
        """,
        org_id,
        session.id,
        session.facilitator_id,
        session.method_id,
        session.group_id,
    )
    assert row is not None
    attendees = msgspec.convert(row["attendees"], list[_AttendeeRow], strict=False)
    return ProofFacts(
        group_name=row["group_name"],
        max_absences=row["max_absences"],
        method_name=row["method_name"],
        facilitator_name=row["facilitator_name"],
        attendees=[
            ProofAttendee(
                person_id=a.person_id,
                name=a.name,
                status=a.status,  # type: ignore[arg-type]
                arrived_at=rules.local(a.arrived_at) if a.arrived_at else None,
                departed_at=rules.local(a.departed_at) if a.departed_at else None,
                confirmed_at=a.confirmed_at,
                amendments=a.amendments,
            )
            for a in attendees
        ],
    )


async def closed_snapshot(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> SessionClosedData:
    """Everything downstream needs of a closed session, as it is now, in one query."""
    row = await conn.fetchrow(
        """
        SELECT g.name AS group_name, m.name AS method,
               (SELECT count(*) FROM group_members gm
                JOIN group_agreements ga ON ga.org_id = gm.org_id AND ga.group_id = gm.group_id
                WHERE gm.org_id = $1 AND gm.group_id = g.id AND gm.left_at IS NULL
                  AND gm.consent_at IS NOT NULL
                  AND gm.accepted_agreement_version = ga.version
                  AND ga.version = (SELECT max(version) FROM group_agreements x
                                    WHERE x.org_id = $1 AND x.group_id = g.id)) AS group_size,
               coalesce((SELECT array_agg(gm.person_id ORDER BY gm.joined_at, gm.person_id)
                         FROM group_members gm
                         WHERE gm.org_id = $1 AND gm.group_id = g.id AND gm.left_at IS NULL),
                        '{}') AS member_ids,
               jsonb_build_object(
                   'person_id', f.person_id,
                   'name', fp.given_name || ' ' || fp.family_name,
                   'recognitions', f.recognitions) AS facilitator,
               coalesce((
                   SELECT jsonb_agg(jsonb_build_object(
                       'person_id', a.person_id,
                       'name', p.given_name || ' ' || p.family_name,
                       'given_name', p.given_name, 'family_name', p.family_name,
                       'employer_id', p.employer_id, 'status', a.status,
                       'arrived_at', a.arrived_at, 'departed_at', a.departed_at,
                       'registrations', coalesce((
                           SELECT jsonb_agg(jsonb_build_object('register', r.register,
                                                               'number', r.number,
                                                               'registered_on', r.registered_on)
                                            ORDER BY r.register)
                           FROM person_registrations r
                           WHERE r.org_id = $1 AND r.person_id = a.person_id), '[]'::jsonb))
                       ORDER BY p.family_name, p.given_name, a.person_id)
                   FROM attendance a JOIN people p ON p.org_id = a.org_id AND p.id = a.person_id
                   WHERE a.org_id = $1 AND a.session_id = s.id), '[]'::jsonb) AS attendees
        FROM sessions s
        JOIN groups g ON g.org_id = s.org_id AND g.id = s.group_id
        LEFT JOIN methods m ON m.id = s.method_id
        JOIN facilitators f ON f.org_id = s.org_id AND f.person_id = s.facilitator_id
        JOIN people fp ON fp.org_id = s.org_id AND fp.id = s.facilitator_id
        WHERE s.org_id = $1 AND s.id = $2
        """,
        org_id,
        session.id,
    )
    if row is None:
        raise NotFound(f"No session {session.id}.")
    return SessionClosedData(
        session_id=session.id,
        group_id=session.group_id,
        group_name=row["group_name"],
        date=session.local_start[:10],
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        local_start=session.local_start,
        local_end=session.local_end,
        timezone=session.timezone,
        mode=session.mode,
        location=session.location,
        method=row["method"],
        description=session.description,
        group_size=row["group_size"],
        member_ids=list(row["member_ids"]),
        facilitator=msgspec.convert(row["facilitator"], EventFacilitator),
        attendees=msgspec.convert(row["attendees"], list[EventAttendee], strict=False),
    )
