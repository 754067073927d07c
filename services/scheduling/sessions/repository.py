"""SQL of sessions, their history and their bookings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.kit.errors import NotFound
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params

from . import rules
from .rows import COLUMNS as _COLUMNS
from .rows import session_of
from .schemas import Session, SessionChange, SessionCostsIn

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


def _found(row: asyncpg.Record | None, session_id: uuid.UUID) -> Session:
    if row is None:
        raise NotFound(f"No session {session_id}.")
    return session_of(row)


async def lock_bookings(conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
    """Serialise bookings per tenant, so that two overlapping plans cannot both pass the check."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('kring.scheduling.bookings:' || $1, 0))",
        str(org_id),
    )


@dataclass(frozen=True)
class DoubleBooking:
    occurrence: int
    own_session_id: uuid.UUID | None
    """The occurrence's session, when it is planned already."""
    session_id: uuid.UUID
    person_id: uuid.UUID
    facilitator_id: uuid.UUID
    """The other session's facilitator (who, besides an admin, may be told which it is)."""
    starts_at: datetime
    ends_at: datetime
    """When the other session is."""


async def double_booking(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_id: uuid.UUID,
    members_of: uuid.UUID | None,
    occurrences: Sequence[rules.Occurrence],
) -> DoubleBooking | None:
    """The first other session, not cancelled, overlapping an occurrence and booking
    ``person_id`` or a current member of the group ``members_of``."""
    row = await conn.fetchrow(
        f"""
        WITH people AS (
            SELECT $3::uuid AS person_id
            UNION
            SELECT person_id FROM group_members
            WHERE org_id = $1 AND group_id = $2 AND left_at IS NULL
        ),
        wanted AS (
            SELECT * FROM unnest($4::int[], $5::timestamptz[], $6::timestamptz[], $7::uuid[])
                AS o(number, starts_at, ends_at, session_id)
        )
        SELECT o.number, o.session_id AS own_session_id, s.id AS session_id, p.person_id,
               s.facilitator_id, s.starts_at, s.ends_at
        FROM wanted o
        JOIN sessions s ON s.org_id = $1 AND s.status <> 'cancelled'
            AND s.starts_at < o.ends_at AND s.ends_at > o.starts_at
            AND s.id IS DISTINCT FROM o.session_id
        JOIN people p ON {_BOOKED.format(person="p.person_id")}
        ORDER BY o.number, s.starts_at, s.id, p.person_id
        LIMIT 1
        """,
        org_id,
        members_of,
        person_id,
        [o.number for o in occurrences],
        [o.starts_at for o in occurrences],
        [o.ends_at for o in occurrences],
        [o.session_id for o in occurrences],
    )
    if row is None:
        return None
    return DoubleBooking(
        occurrence=row["number"],
        own_session_id=row["own_session_id"],
        session_id=row["session_id"],
        person_id=row["person_id"],
        facilitator_id=row["facilitator_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
    )


async def planned(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID
) -> list[rules.Occurrence]:
    """The group's planned sessions as occurrences, in the order they start."""
    rows = await conn.fetch(
        """
        SELECT id, starts_at, ends_at FROM sessions
        WHERE org_id = $1 AND group_id = $2 AND status = 'planned'
        ORDER BY starts_at, id
        """,
        org_id,
        group_id,
    )
    return [
        rules.Occurrence(
            number=n, starts_at=row["starts_at"], ends_at=row["ends_at"], session_id=row["id"]
        )
        for n, row in enumerate(rows, start=1)
    ]


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
    return _found(row, session_id)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
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
    if asked.after is not None:
        where.append(
            "(s.starts_at, s.id) > (SELECT c.starts_at, c.id FROM sessions c "
            f"WHERE c.org_id = $1 AND c.id = {param(asked.after)})"
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
        f"ORDER BY s.starts_at, s.id LIMIT {param(asked.rows)}",
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
    """Every session of a group or a person (cancelled ones too), with its group's name; the
    statement names only the filters given."""
    param = Params(org_id)
    where = ["s.org_id = $1"]
    if group_id is not None:
        where.append(f"s.group_id = {param(group_id)}")
    if person_id is not None:
        where.append(_booked_by(param(person_id)))
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS}, g.name AS group_name
        FROM sessions s JOIN groups g ON g.org_id = s.org_id AND g.id = s.group_id
        WHERE {" AND ".join(where)}
        ORDER BY s.starts_at, s.id
        """,
        *param.values,
    )
    return [(session_of(row), row["group_name"]) for row in rows]


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
    return _found(row, session.id)


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
    return _found(row, session.id)


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
    costs: SessionCostsIn | None,
    by: str,
    facilitator_signs: bool,
) -> Session:
    """Close a planned session, keeping the costs entered with it (as entered)."""
    row = await conn.fetchrow(
        f"""
        UPDATE sessions s
        SET status = 'closed', closed_at = now(), closed_by = $3,
            description = coalesce($4, description), costs = $6,
            facilitator_signed_at = CASE WHEN $5 THEN now() END, updated_at = now()
        WHERE s.org_id = $1 AND s.id = $2 AND s.status = 'planned'
        RETURNING {_COLUMNS}
        """,
        org_id,
        session_id,
        by,
        description,
        facilitator_signs,
        costs,
    )
    return _found(row, session_id)


async def sign_as_facilitator(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> Session | None:
    """The facilitator's signature on a closed session, once: the session signed now, or
    ``None`` when it was signed before (signing again changes nothing)."""
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
    return session_of(row) if row else None
