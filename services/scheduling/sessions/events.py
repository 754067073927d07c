"""Scheduling's session events, built in one place and written with the change that caused them
(outbox). Each carries a snapshot: names, numbers and times as they are when it happens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

import asyncpg
import msgspec

from .. import webhooks
from ..attendance import repository as attendance
from ..attendance import rules as attendance_rules
from ..facilitators import repository as facilitators
from ..facilitators.schemas import Facilitator
from ..groups import repository as group_records
from ..groups import service as groups
from ..groups.schemas import Group
from ..methods import repository as methods
from ..methods.schemas import Method
from ..people.rules import full_name
from .schemas import (
    AttendanceAmendedData,
    AttendanceConfirmedData,
    EventAttendee,
    EventFacilitator,
    EventMember,
    EventRecognition,
    EventSignedAttendee,
    Session,
    SessionCancelledData,
    SessionClosedData,
    SessionRescheduledData,
    SessionScheduledData,
    SessionSignedOffData,
)

SessionData = (
    SessionScheduledData
    | SessionRescheduledData
    | SessionClosedData
    | SessionCancelledData
    | AttendanceConfirmedData
    | AttendanceAmendedData
    | SessionSignedOffData
)


async def emit(conn: asyncpg.Connection, org_id: uuid.UUID, data: SessionData) -> None:
    """The event commits with the change that caused it; its aggregate is the session."""
    await webhooks.emit(conn, org_id, data, aggregate_id=data.session_id)


@dataclass(frozen=True)
class Facts:
    """What the proof and the closed event tell of a session beyond its own row."""

    group: Group
    facilitator: Facilitator
    method: Method | None

    @property
    def facilitator_name(self) -> str:
        return full_name(self.facilitator.given_name, self.facilitator.family_name)


async def facts(conn: asyncpg.Connection, org_id: uuid.UUID, session: Session) -> Facts:
    """The session's group, facilitator and method, as they are now."""
    method = None
    if session.method_id is not None:
        method = await methods.get(conn, org_id, session.method_id)
    return Facts(
        group=await groups.find(conn, org_id, session.group_id),
        facilitator=await facilitators.get(conn, org_id, session.facilitator_id),
        method=method,
    )


class Times(TypedDict):
    """A session's times as every snapshot of it states them."""

    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str


def times(session: Session) -> Times:
    return Times(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        local_start=session.local_start,
        local_end=session.local_end,
    )


async def members(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> list[EventMember]:
    """The members ``session`` concerns (who had not left when it starts), with employers."""
    employers = await group_records.employers_at(
        conn, org_id, session.group_id, at=session.starts_at
    )
    return [EventMember(person_id=p, employer_id=e) for p, e in employers.items()]


def scheduled(session: Session, members: list[EventMember]) -> SessionScheduledData:
    return SessionScheduledData(
        session_id=session.id,
        group_id=session.group_id,
        **times(session),
        mode=session.mode,
        facilitator_id=session.facilitator_id,
        members=members,
    )


def rescheduled(
    before: Session, moved: Session, members: list[EventMember], *, reason: str
) -> SessionRescheduledData:
    """``moved`` as the reschedule left it, with the times ``before`` had."""
    return SessionRescheduledData(
        **msgspec.structs.asdict(scheduled(moved, members)),
        previous_starts_at=before.starts_at,
        previous_ends_at=before.ends_at,
        reason=reason,
        sequence=moved.sequence,
    )


def cancelled(session: Session, members: list[EventMember], *, reason: str) -> SessionCancelledData:
    """``session`` as it was before the cancellation."""
    return SessionCancelledData(
        session_id=session.id,
        group_id=session.group_id,
        reason=reason,
        previous_status="closed" if session.status == "closed" else "planned",
        members=members,
    )


async def closed(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> SessionClosedData:
    """Everything downstream needs of a closed session: the group's size counts its counting
    members (``groups.rules.counts``), ``member_ids`` are in join order (the group's members
    are read so), the attendees carry their register numbers, ``costs`` what the facilitator
    entered at closing."""
    known = await facts(conn, org_id, session)
    facilitator = known.facilitator
    return SessionClosedData(
        session_id=session.id,
        group_id=session.group_id,
        group_name=known.group.name,
        date=date.fromisoformat(session.local_start[:10]),
        **times(session),
        timezone=session.timezone,
        mode=session.mode,
        location=session.location,
        method=known.method.name if known.method else None,
        description=session.description,
        group_size=sum(m.counts for m in known.group.members),
        member_ids=[m.person_id for m in known.group.members],
        facilitator=EventFacilitator(
            person_id=facilitator.person_id,
            name=known.facilitator_name,
            recognitions=msgspec.convert(
                msgspec.to_builtins(facilitator.recognitions), list[EventRecognition]
            ),
        ),
        attendees=await _attendees(conn, org_id, session),
        costs=session.costs,
    )


async def signed_off(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> SessionSignedOffData:
    """The facilitator's signature on ``session``'s proof, with whom it vouches for."""
    assert session.facilitator_signed_at is not None, "a signed session"
    return SessionSignedOffData(
        session_id=session.id,
        group_id=session.group_id,
        facilitator_id=session.facilitator_id,
        signed_at=session.facilitator_signed_at,
        attendees=[
            EventSignedAttendee(person_id=a.person_id, employer_id=a.employer_id, status=a.status)
            for a in await attendance.event_attendees(conn, org_id, session.id)
        ],
    )


async def _attendees(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: Session
) -> list[EventAttendee]:
    """Everyone recorded, each with how they took part (``attendance.rules.joined_as``)."""
    return [
        msgspec.structs.replace(
            a, joined=attendance_rules.joined_as(session.mode, a.joined, status=a.status)
        )
        for a in await attendance.event_attendees(conn, org_id, session.id)
    ]


async def amended(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: Session,
    *,
    person_id: uuid.UUID,
    reason: str,
) -> AttendanceAmendedData:
    """The closed snapshot (:func:`closed`) as it is after ``person_id``'s amendment."""
    snapshot = await closed(conn, org_id, session)
    return AttendanceAmendedData(
        **msgspec.structs.asdict(snapshot), person_id=person_id, reason=reason
    )


def confirmed(
    session_id: uuid.UUID,
    person_id: uuid.UUID,
    confirmed_at: datetime,
    *,
    employer_id: uuid.UUID | None,
) -> AttendanceConfirmedData:
    return AttendanceConfirmedData(
        session_id=session_id,
        person_id=person_id,
        employer_id=employer_id,
        confirmed_at=confirmed_at,
    )
