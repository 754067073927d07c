"""Attendance's use cases: record, amend, sign, the proof of attendance and absences.

Each runs on the caller's connection: who may reach the session from ``sessions.access``, rules
from ``rules.py``, SQL from ``repository.py``, events from ``sessions.events``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from services.kit.errors import Forbidden

from ..groups import repository as groups
from ..groups import service as group_service
from ..people import repository as people
from ..principal import Principal
from ..sessions import events
from ..sessions import repository as sessions
from ..sessions import rules as session_rules
from ..sessions.access import facilitated, readable
from ..sessions.schemas import Session, Warning
from . import repository, rules
from .schemas import (
    AmendmentIn,
    AttendanceIn,
    AttendanceResult,
    AttendanceTimes,
    Proof,
    ProofFacilitator,
    ProofMethod,
)


def _instant(value: str | None, *, field: str) -> datetime | None:
    if value is None:
        return None
    return session_rules.localise(session_rules.wall_time(value, field=field), field=field)


def _entry(data: AttendanceTimes, session: Session) -> repository.Entry:
    """Arrival and departure checked against the session (the session's times when left out)."""
    arrived_at, departed_at = rules.check_attendance(
        data.status,
        arrived_at=_instant(data.arrived_at, field="body.arrived_at"),
        departed_at=_instant(data.departed_at, field="body.departed_at"),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )
    return repository.Entry(status=data.status, arrived_at=arrived_at, departed_at=departed_at)


async def _absences(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> dict[uuid.UUID, int]:
    """Absences per member in the calendar year of the session (max_absences is per year)."""
    starts_from, starts_before = rules.year_of(session.starts_at)
    return await repository.absences(
        conn, org_id, session.group_id, starts_from=starts_from, starts_before=starts_before
    )


async def absence_warnings(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: Session,
    only: list[uuid.UUID] | None = None,
) -> list[Warning]:
    """Members (``only`` these, when given) absent more often this year than the group allows."""
    group = await group_service.find(conn, org_id, session.group_id, field="path.session_id")
    counts = await _absences(conn, org_id, session)
    return rules.absence_warnings(counts, max_absences=group.max_absences, only=only)


async def unrecorded(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> list[uuid.UUID]:
    """Members of the session (not left when it began) whose attendance is not recorded."""
    members = await groups.members_at(conn, org_id, session.group_id, at=session.starts_at)
    return rules.unrecorded(members, await repository.recorded(conn, org_id, session.id))


async def record(
    conn: asyncpg.Connection,
    principal: Principal,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    data: AttendanceIn,
) -> AttendanceResult:
    """Until the session is closed, by its facilitator (or an admin), for its members only."""
    org_id = principal.org_id
    session = await facilitated(conn, principal, session_id)
    await people.get(conn, org_id, person_id)
    session_rules.check_status(session.id, session.status, wanted="planned")
    members = await groups.members_at(conn, org_id, session.group_id, at=session.starts_at)
    rules.check_member(person_id, members)
    entry = _entry(data, session)
    joined = rules.check_joined(data.status, data.joined, mode=session.mode)
    recorded = await repository.record(
        conn, org_id, session.id, person_id, entry, joined=joined, by=principal.subject
    )
    warnings = await absence_warnings(conn, org_id, session, [person_id])
    return AttendanceResult(attendance=recorded, warnings=warnings)


async def amend(
    conn: asyncpg.Connection,
    principal: Principal,
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    data: AmendmentIn,
) -> AttendanceResult:
    """A closed session's correction, with its reason; a changed record is confirmed again.
    The session's snapshot as it is now goes out with it (``attendance.amended``)."""
    org_id = principal.org_id
    session = await facilitated(conn, principal, session_id)
    session_rules.check_status(session.id, session.status, wanted="closed")
    entry = _entry(data, session)
    amended = await repository.amend(
        conn, org_id, session.id, person_id, entry, reason=data.reason, by=principal.subject
    )
    snapshot = await events.amended(conn, org_id, session, person_id=person_id, reason=data.reason)
    await events.emit(conn, org_id, snapshot)
    warnings = await absence_warnings(conn, org_id, session, [person_id])
    return AttendanceResult(attendance=amended, warnings=warnings)


async def _confirm(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session, person_id: uuid.UUID
) -> None:
    """A present member confirms, once: the first confirmation is an event."""
    own = await repository.attendance(conn, org_id, session.id, person_id)
    rules.check_may_confirm(own.status if own else None)
    confirmed = await repository.confirm(conn, org_id, session.id, person_id)
    first_time = own is not None and own.confirmed_at is None
    if first_time and confirmed is not None and confirmed.confirmed_at is not None:
        person = await people.get(conn, org_id, person_id)
        await events.emit(
            conn,
            org_id,
            events.confirmed(
                session.id, person_id, confirmed.confirmed_at, employer_id=person.employer_id
            ),
        )


async def sign(conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID) -> Proof:
    """The facilitator signs a closed session's proof (the first signature announced,
    ``session.signed_off``), or a member confirms their presence; signing again changes
    nothing."""
    if principal.person is None:
        raise Forbidden("Signing needs a token that names its person (claim 'person').")
    session = await readable(conn, principal, session_id)
    session_rules.check_status(session.id, session.status, wanted="closed")
    if principal.person == session.facilitator_id and principal.has("facilitator"):
        signed = await sessions.sign_as_facilitator(conn, principal.org_id, session.id)
        if signed is None:  # signed before
            session = await sessions.get(conn, principal.org_id, session.id)
        else:
            session = signed
            await events.emit(
                conn, principal.org_id, await events.signed_off(conn, principal.org_id, signed)
            )
    else:
        await _confirm(conn, principal.org_id, session, principal.person)
    return await _proof(conn, principal.org_id, session)


async def proof(conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID) -> Proof:
    return await _proof(conn, principal.org_id, await readable(conn, principal, session_id))


async def _proof(conn: asyncpg.Connection, org_id: uuid.UUID, session: Session) -> Proof:
    known = await events.facts(conn, org_id, session)
    attendees = await repository.proof_attendees(conn, org_id, session.id)
    missing = rules.missing_signatures(
        facilitator_id=session.facilitator_id,
        facilitator_signed=session.facilitator_signed_at is not None,
        present={
            a.person_id: a.confirmed_at is not None for a in attendees if a.status == "present"
        },
    )
    counts = await _absences(conn, org_id, session)
    return Proof(
        session_id=session.id,
        group_id=session.group_id,
        group_name=known.group.name,
        status=session.status,
        date=date.fromisoformat(session.local_start[:10]),
        **events.times(session),
        timezone=session.timezone,
        method=ProofMethod(id=known.method.id, name=known.method.name) if known.method else None,
        description=session.description,
        facilitator=ProofFacilitator(
            person_id=session.facilitator_id,
            name=known.facilitator_name,
            signed_at=session.facilitator_signed_at,
        ),
        attendees=attendees,
        complete=session.status == "closed" and not missing,
        missing_signatures=missing,
        warnings=rules.absence_warnings(
            counts, max_absences=known.group.max_absences, only=[a.person_id for a in attendees]
        ),
    )
