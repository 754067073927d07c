"""Sessions, attendance and the proof of attendance (bewijs van deelname).

A session is ``planned``, then ``closed`` or ``cancelled``; neither of the last two changes
again (the database refuses it too). The group's facilitator (token role ``facilitator`` with
claim ``person``) or an admin plans, moves, cancels, records attendance and closes.

Signing: closing is the facilitator's signature when the facilitator closes; when an admin
closes, the facilitator signs afterwards with ``POST /v1/sessions/{id}/signatures``. Each
member recorded as present confirms with the same call (role ``participant``, claim
``person``). The proof is complete when the session is closed, the facilitator has signed
and every present member has confirmed. An amendment that changes a member's record asks
for that member's confirmation again.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit import outbox
from services.kit.auth import requires
from services.kit.errors import Forbidden, NotFound
from services.kit.events import channel
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..config import SCHEMA
from ..principal import Principal
from . import ical, repository, rules
from .schemas import (
    AmendmentIn,
    AttendanceConfirmedData,
    AttendanceIn,
    AttendanceResult,
    CancelIn,
    CloseIn,
    Proof,
    ProofFacilitator,
    ProofMethod,
    RescheduleIn,
    Session,
    SessionCancelledData,
    SessionChanges,
    SessionPage,
    SessionPlan,
    SessionPlanIn,
    SessionResult,
    SessionScheduledData,
    Status,
    Warning,
)

Conn = NamedDependency[asyncpg.Connection]
Me = NamedDependency[Principal]
SessionId = FromPath[uuid.UUID]
PersonId = FromPath[uuid.UUID]
GroupId = FromPath[uuid.UUID]
READERS = ("admin", "facilitator", "participant")


def _warnings(items: list[rules.Warning]) -> list[Warning]:
    return [Warning(**dataclasses.asdict(item)) for item in items]


async def _readable(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> Session:
    session = await repository.get(conn, principal.org_id, session_id)
    members = await repository.members(
        conn, principal.org_id, session.group_id, at=session.starts_at
    )
    if not rules.may_read(principal, facilitator_id=session.facilitator_id, member_ids=members):
        raise NotFound(f"No session {session_id}.")
    return session


async def _facilitated(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> Session:
    session = await _readable(conn, principal, session_id)
    if not rules.may_facilitate(principal, session.facilitator_id):
        raise Forbidden("Only the session's facilitator (or an admin) may do this.")
    return session


def _instant(value: str | None, *, field: str) -> datetime | None:
    if value is None:
        return None
    return rules.localise(rules.wall_time(value, field=field), field=field)


async def _absences(
    conn: asyncpg.Connection, principal: Principal, session: Session
) -> dict[uuid.UUID, int]:
    """Absences per member in the calendar year of the session (max_absences is per year)."""
    starts_from, starts_before = rules.year_of(session.starts_at)
    return await repository.absences(
        conn,
        principal.org_id,
        session.group_id,
        starts_from=starts_from,
        starts_before=starts_before,
    )


async def _absence_warnings(
    conn: asyncpg.Connection, principal: Principal, session: Session, only: list[uuid.UUID] | None
) -> list[Warning]:
    group = await repository.group(
        conn, principal.org_id, session.group_id, field="path.session_id"
    )
    counts = await _absences(conn, principal, session)
    return _warnings(rules.absence_warnings(counts, max_absences=group.max_absences, only=only))


def _attendance_times(
    data: AttendanceIn, session: Session
) -> tuple[datetime | None, datetime | None]:
    """Arrival and departure checked against the session (the session's times when left out)."""
    return rules.check_attendance(
        data.status,
        arrived_at=_instant(data.arrived_at, field="body.arrived_at"),
        departed_at=_instant(data.departed_at, field="body.departed_at"),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


async def _emit(
    conn: asyncpg.Connection, principal: Principal, type: str, session_id: uuid.UUID, data: object
) -> None:
    """The event commits with the change that caused it (outbox)."""
    await outbox.emit(
        conn,
        org_id=principal.org_id,
        type=type,
        aggregate_id=session_id,
        payload=data,
        channel=channel(SCHEMA),
    )


async def _proof(conn: asyncpg.Connection, principal: Principal, session: Session) -> Proof:
    facts = await repository.proof_facts(conn, principal.org_id, session)
    missing = rules.missing_signatures(
        facilitator_id=session.facilitator_id,
        facilitator_signed=session.facilitator_signed_at is not None,
        present={
            a.person_id: a.confirmed_at is not None
            for a in facts.attendees
            if a.status == "present"
        },
    )
    counts = await _absences(conn, principal, session)
    warnings = rules.absence_warnings(
        counts, max_absences=facts.max_absences, only=[a.person_id for a in facts.attendees]
    )
    return Proof(
        session_id=session.id,
        group_id=session.group_id,
        group_name=facts.group_name,
        status=session.status,
        date=session.local_start[:10],
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        local_start=session.local_start,
        local_end=session.local_end,
        timezone=session.timezone,
        method=ProofMethod(id=session.method_id, name=facts.method_name)
        if session.method_id and facts.method_name
        else None,
        description=session.description,
        facilitator=ProofFacilitator(
            person_id=session.facilitator_id,
            name=facts.facilitator_name,
            signed_at=session.facilitator_signed_at,
        ),
        attendees=facts.attendees,
        complete=session.status == "closed" and not missing,
        missing_signatures=missing,
        warnings=_warnings(warnings),
    )


class SessionController(Controller):
    path = "/v1/sessions"
    tags = ("sessions",)

    @post(
        "/",
        operation_id="planSessions",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415, 422),
    )
    async def plan(self, conn: Conn, principal: Me, data: JSONBody[SessionPlanIn]) -> SessionPlan:
        """Plan one session for a group, or a series (RRULE, expanded in Amsterdam wall time).

        Refused when the group's facilitator or a member is booked in an overlapping session
        (409, `extra.session_id` names it). An online session over 2 hours is planned with a
        warning.
        """
        org = principal.org_id
        group = await repository.group(conn, org, data.group_id, field="body.group_id")
        if not rules.may_facilitate(principal, group.facilitator_id):
            raise Forbidden("Only the group's facilitator (or an admin) may plan its sessions.")
        mode = data.mode or group.mode
        location = data.location or (group.location if mode != "online" else None)
        rules.check_venue(mode, location=location, video_link=data.video_link)
        if data.method_id is not None:
            await repository.check_method(conn, org, data.method_id)
        occurrences = rules.expand(
            rules.wall_time(data.start, field="body.start"),
            rules.wall_time(data.end, field="body.end"),
            data.rrule,
        )
        rules.check_series_overlap(occurrences)
        await repository.lock_bookings(conn, org)
        clash = await repository.double_booking(
            conn,
            org,
            group_id=group.id,
            facilitator_id=group.facilitator_id,
            occurrences=occurrences,
        )
        if clash is not None:
            raise rules.double_booked(
                clash.occurrence, clash.session_id, clash.person_id, series=data.rrule is not None
            )
        series_id = uuid.uuid4() if data.rrule is not None else None
        sessions = await repository.insert(
            conn,
            org,
            repository.NewSessions(
                group_id=group.id,
                facilitator_id=group.facilitator_id,
                series_id=series_id,
                rrule=data.rrule,
                mode=mode,
                location=location,
                video_link=data.video_link,
                method_id=data.method_id or group.default_method_id,
                description=data.description,
            ),
            occurrences,
        )
        for s in sessions:
            await _emit(
                conn,
                principal,
                "session.scheduled",
                s.id,
                SessionScheduledData(
                    session_id=s.id,
                    group_id=s.group_id,
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    local_start=s.local_start,
                    local_end=s.local_end,
                    mode=s.mode,
                    facilitator_id=s.facilitator_id,
                ),
            )
        warnings = [
            dataclasses.replace(w, session_id=s.id)
            for s in sessions
            for w in rules.duration_warnings(s.mode, s.starts_at, s.ends_at)
        ]
        return SessionPlan(series_id=series_id, sessions=sessions, warnings=_warnings(warnings))

    @get("/", operation_id="listSessions", guards=[requires(*READERS)], responses=problems())
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        group_id: FromQuery[uuid.UUID | None] = None,
        person_id: Annotated[
            uuid.UUID | None,
            QueryParameter(description="Sessions the person facilitates or is a member for."),
        ] = None,
        from_: Annotated[
            date | None,
            QueryParameter(name="from", description="Sessions starting on or after this day."),
        ] = None,
        to: Annotated[
            date | None, QueryParameter(description="Sessions starting on or before this day.")
        ] = None,
        status: FromQuery[Status | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> SessionPage:
        """Sessions in the order they start, a page at a time; a participant sees only their own.

        `next_cursor` continues after the last session of the page, by its start and id."""
        starts_from, starts_before = rules.period(from_, to)
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            group_id=group_id,
            person_id=rules.person_filter(principal, person_id),
            starts_from=starts_from,
            starts_before=starts_before,
            status=status,
        )
        return SessionPage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )

    @get(
        "/{session_id:uuid}",
        operation_id="getSession",
        guards=[requires(*READERS)],
        responses=problems(),
    )
    async def get_one(self, conn: Conn, principal: Me, session_id: SessionId) -> Session:
        """One session."""
        return await _readable(conn, principal, session_id)

    @get(
        "/{session_id:uuid}/changes",
        operation_id="listSessionChanges",
        guards=[requires(*READERS)],
        responses=problems(),
    )
    async def changes(self, conn: Conn, principal: Me, session_id: SessionId) -> SessionChanges:
        """The session's history: each reschedule and the cancellation, with its reason."""
        session = await _readable(conn, principal, session_id)
        return SessionChanges(items=await repository.changes(conn, principal.org_id, session.id))

    @post(
        "/{session_id:uuid}/reschedule",
        operation_id="rescheduleSession",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415, 422),
    )
    async def reschedule(
        self, conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[RescheduleIn]
    ) -> SessionResult:
        """Move a planned session (reason required): its SEQUENCE increments, history is kept."""
        session = await _facilitated(conn, principal, session_id)
        rules.check_status(session.id, session.status, wanted="planned")
        (occurrence,) = rules.expand(
            rules.wall_time(data.start, field="body.start"),
            rules.wall_time(data.end, field="body.end"),
        )
        rules.check_movable(
            has_attendance=await repository.has_attendance(conn, principal.org_id, session.id)
        )
        await repository.lock_bookings(conn, principal.org_id)
        clash = await repository.double_booking(
            conn,
            principal.org_id,
            group_id=session.group_id,
            facilitator_id=session.facilitator_id,
            occurrences=[occurrence],
            exclude=session.id,
        )
        if clash is not None:
            raise rules.double_booked(clash.occurrence, clash.session_id, clash.person_id)
        moved = await repository.reschedule(
            conn, principal.org_id, session, occurrence, reason=data.reason, by=principal.subject
        )
        warnings = rules.duration_warnings(moved.mode, moved.starts_at, moved.ends_at)
        return SessionResult(session=moved, warnings=_warnings(warnings))

    @post(
        "/{session_id:uuid}/cancel",
        operation_id="cancelSession",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415),
    )
    async def cancel(
        self, conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[CancelIn]
    ) -> Session:
        """Cancel a planned session (reason required); it stays, with STATUS:CANCELLED."""
        session = await _facilitated(conn, principal, session_id)
        rules.check_cancellable(session.id, session.status)
        cancelled = await repository.cancel(
            conn, principal.org_id, session, reason=data.reason, by=principal.subject
        )
        await _emit(
            conn,
            principal,
            "session.cancelled",
            session.id,
            SessionCancelledData(
                session_id=session.id,
                group_id=session.group_id,
                reason=data.reason,
                previous_status="closed" if session.status == "closed" else "planned",
            ),
        )
        return cancelled

    @put(
        "/{session_id:uuid}/attendance/{person_id:uuid}",
        operation_id="recordAttendance",
        guards=[requires("admin", "facilitator")],
        responses=problems(409, 413, 415, 422),
    )
    async def record_attendance(
        self,
        conn: Conn,
        principal: Me,
        session_id: SessionId,
        person_id: PersonId,
        data: JSONBody[AttendanceIn],
    ) -> AttendanceResult:
        """Record a member as present (with arrival and departure), absent or excused.

        Until the session is closed; afterwards corrections are amendments. Warns when the
        member's absences exceed the group's `max_absences`.
        """
        session = await _facilitated(conn, principal, session_id)
        await repository.check_person(conn, principal.org_id, person_id)
        rules.check_status(session.id, session.status, wanted="planned")
        members = await repository.members(
            conn, principal.org_id, session.group_id, at=session.starts_at
        )
        rules.check_member(person_id, members)
        arrived_at, departed_at = _attendance_times(data, session)
        recorded = await repository.record(
            conn,
            principal.org_id,
            session.id,
            person_id,
            status=data.status,
            arrived_at=arrived_at,
            departed_at=departed_at,
            by=principal.subject,
        )
        warnings = await _absence_warnings(conn, principal, session, [person_id])
        return AttendanceResult(attendance=recorded, warnings=warnings)

    @post(
        "/{session_id:uuid}/attendance/{person_id:uuid}/amendments",
        operation_id="amendAttendance",
        guards=[requires("admin", "facilitator")],
        responses=problems(409, 413, 415, 422),
    )
    async def amend_attendance(
        self,
        conn: Conn,
        principal: Me,
        session_id: SessionId,
        person_id: PersonId,
        data: JSONBody[AmendmentIn],
    ) -> AttendanceResult:
        """Correct the attendance of a closed session, with a reason; the history is kept.

        A changed record needs the participant's confirmation again.
        """
        session = await _facilitated(conn, principal, session_id)
        rules.check_status(session.id, session.status, wanted="closed")
        arrived_at, departed_at = _attendance_times(data, session)
        amended = await repository.amend(
            conn,
            principal.org_id,
            session.id,
            person_id,
            status=data.status,
            arrived_at=arrived_at,
            departed_at=departed_at,
            reason=data.reason,
            by=principal.subject,
        )
        warnings = await _absence_warnings(conn, principal, session, [person_id])
        return AttendanceResult(attendance=amended, warnings=warnings)

    @post(
        "/{session_id:uuid}/close",
        operation_id="closeSession",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415, 422),
    )
    async def close(
        self, conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[CloseIn]
    ) -> SessionResult:
        """Close a session once every member's attendance is recorded; it is then immutable.

        Closing by the facilitator is their signature on the proof; when an admin closes,
        the facilitator signs afterwards (`POST .../signatures`). Warns about members whose
        absences exceed the group's `max_absences`.
        """
        session = await _facilitated(conn, principal, session_id)
        rules.check_status(session.id, session.status, wanted="planned")
        rules.check_closable(
            now=datetime.now(UTC),
            starts_at=session.starts_at,
            unrecorded=await repository.unrecorded(conn, principal.org_id, session),
        )
        closed = await repository.close(
            conn,
            principal.org_id,
            session.id,
            description=data.description,
            by=principal.subject,
            facilitator_signs=principal.person == session.facilitator_id,
        )
        snapshot = await repository.closed_snapshot(conn, principal.org_id, closed)
        await _emit(conn, principal, "session.closed", closed.id, snapshot)
        warnings = await _absence_warnings(conn, principal, session, None)
        return SessionResult(session=closed, warnings=warnings)

    @post(
        "/{session_id:uuid}/signatures",
        operation_id="signSession",
        guards=[requires("facilitator", "participant")],
        status_code=HTTP_200_OK,
        responses=problems(409, 422),
    )
    async def sign(self, conn: Conn, principal: Me, session_id: SessionId) -> Proof:
        """Sign the proof of a closed session as its facilitator, or confirm your own presence.

        The caller is the token's `person`. Signing again changes nothing.
        """
        if principal.person is None:
            raise Forbidden("Signing needs a token that names its person (claim 'person').")
        session = await _readable(conn, principal, session_id)
        rules.check_status(session.id, session.status, wanted="closed")
        if principal.person == session.facilitator_id and principal.has("facilitator"):
            session = await repository.sign_as_facilitator(conn, principal.org_id, session.id)
        else:
            own = await repository.attendance(conn, principal.org_id, session.id, principal.person)
            rules.check_may_confirm(own.status if own else None)
            confirmed = await repository.confirm(
                conn, principal.org_id, session.id, principal.person
            )
            first_time = own is not None and own.confirmed_at is None
            if first_time and confirmed is not None and confirmed.confirmed_at is not None:
                await _emit(
                    conn,
                    principal,
                    "attendance.confirmed",
                    session.id,
                    AttendanceConfirmedData(
                        session_id=session.id,
                        person_id=principal.person,
                        confirmed_at=confirmed.confirmed_at,
                    ),
                )
        return await _proof(conn, principal, session)

    @get(
        "/{session_id:uuid}/proof",
        operation_id="getProofOfAttendance",
        guards=[requires(*READERS)],
        responses=problems(),
    )
    async def proof(self, conn: Conn, principal: Me, session_id: SessionId) -> Proof:
        """The proof of attendance: date, times, method, facilitator, attendees, signatures.

        Complete once the session is closed, the facilitator signed and every present member
        confirmed. Holds no case content: at most a short, non-substantive description.
        """
        return await _proof(conn, principal, await _readable(conn, principal, session_id))


class CalendarController(Controller):
    tags = ("calendars",)

    @get(
        "/v1/people/{person_id:uuid}/calendar.ics",
        operation_id="getPersonCalendar",
        guards=[requires(*READERS)],
        media_type=ical.MEDIA_TYPE,
        response_description="An RFC 5545 iCalendar feed (`text/calendar`).",
        responses=problems(),
    )
    async def person_calendar(
        self, conn: Conn, principal: Me, person_id: PersonId
    ) -> Response[bytes]:
        """The sessions a person facilitates or is a member for, as an iCalendar feed.

        UIDs are stable per session, SEQUENCE counts reschedules, cancelled sessions stay
        with STATUS:CANCELLED; times carry TZID=Europe/Amsterdam with its VTIMEZONE.
        """
        await repository.check_person(conn, principal.org_id, person_id)
        if not principal.has("admin", "facilitator") and principal.person != person_id:
            raise NotFound(f"No person {person_id}.")
        sessions = await repository.for_calendar(conn, principal.org_id, person_id=person_id)
        return Response(ical.feed("Intervisie", sessions), media_type=ical.MEDIA_TYPE)

    @get(
        "/v1/groups/{group_id:uuid}/calendar.ics",
        operation_id="getGroupCalendar",
        guards=[requires(*READERS)],
        media_type=ical.MEDIA_TYPE,
        response_description="An RFC 5545 iCalendar feed (`text/calendar`).",
        responses=problems(),
    )
    async def group_calendar(self, conn: Conn, principal: Me, group_id: GroupId) -> Response[bytes]:
        """The group's sessions as an iCalendar feed (see the person's feed for the format)."""
        group = await repository.group(conn, principal.org_id, group_id, field="path.group_id")
        members = await repository.members(conn, principal.org_id, group_id, at=datetime.now(UTC))
        if not rules.may_read(principal, facilitator_id=group.facilitator_id, member_ids=members):
            raise NotFound(f"No group {group_id}.")
        sessions = await repository.for_calendar(conn, principal.org_id, group_id=group_id)
        return Response(
            ical.feed(f"Intervisie: {group.name}", sessions), media_type=ical.MEDIA_TYPE
        )
