"""Sessions and their calendars.

A session is ``planned``, then ``closed`` or ``cancelled``; neither of the last two changes
again (the database refuses it too). The group's facilitator (token role ``facilitator`` with
claim ``person``) or an admin plans, moves, cancels and closes; closing by the facilitator is
their signature on the proof (``attendance``).

The handlers below share ``/v1/sessions`` with attendance's: ``HANDLERS`` lists them, the app
mounts both lists on one router.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import action

from ..preflight.client import Preflight, provide_preflight
from ..principal import Principal
from . import ical, service
from .schemas import (
    CancelIn,
    CloseIn,
    RescheduleIn,
    Session,
    SessionChanges,
    SessionPage,
    SessionPlan,
    SessionPlanIn,
    SessionResult,
    Status,
)

Me = NamedDependency[Principal]
Registers = NamedDependency[Preflight]
SessionId = FromPath[uuid.UUID]
PersonId = FromPath[uuid.UUID]
GroupId = FromPath[uuid.UUID]


@post(
    "/",
    operation_id="planSessions",
    opt=links(
        *(
            link(target, session_id="sessions/0/id")
            for target in (
                "getSession",
                "cancelSession",
                "closeSession",
                "rescheduleSession",
                "listSessionChanges",
                "getProofOfAttendance",
            )
        )
    ),
    status_code=HTTP_201_CREATED,
    responses=problems(
        409,
        413,
        415,
        rules=(
            "location_required",
            "video_link_required",
            "date_time",
            "date_range",
            "nonexistent_local_time",
            "end_after_start",
            "max_duration",
            "rrule",
            "rrule_part",
            "rrule_frequency",
            "rrule_never_occurs",
            "max_occurrences",
            "series_overlap",
        ),
    ),
    dependencies={"registers": Provide(provide_preflight, sync_to_thread=False)},
)
async def plan(
    conn: Conn, principal: Me, registers: Registers, data: JSONBody[SessionPlanIn]
) -> SessionPlan:
    """Plan one session for a group, or a series (RRULE, expanded in Amsterdam wall time).

    Refused when the group's facilitator or a member is booked in an overlapping session
    (409, `extra.session_id` names it). An online session over 2 hours is planned with a
    warning. So is each register rule the session breaks for a register the group's members
    hold (field `registers.<CODE>`: `online` for SKJ, `min_session_minutes`, `registered_on`
    with the member's `person_id`, ...), as accreditation will judge it; rule
    `preflight_unavailable` when accreditation could not be asked.
    """
    return await service.plan(conn, principal, data, registers=registers)


@get("/", operation_id="listSessions", responses=problems())
async def list_page(
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
    """Sessions in the order they start, a page at a time. An admin lists everyone's; anyone
    else only the sessions of the groups they facilitate or belong to, whatever `person_id`
    they ask for.

    `next_cursor` continues after the last session of the page, by its start and id."""
    return await service.page(
        conn,
        principal,
        keyset(cursor, limit),
        group_id=group_id,
        person_id=person_id,
        first_day=from_,
        last_day=to,
        status=status,
    )


@get("/{session_id:uuid}", operation_id="getSession", responses=problems())
async def get_one(conn: Conn, principal: Me, session_id: SessionId) -> Session:
    """One session."""
    return await service.read(conn, principal, session_id)


@get(
    "/{session_id:uuid}/changes",
    operation_id="listSessionChanges",
    responses=problems(),
)
async def changes(conn: Conn, principal: Me, session_id: SessionId) -> SessionChanges:
    """The session's history: each reschedule and the cancellation, with its reason."""
    return await service.history(conn, principal, session_id)


@action(
    "/{session_id:uuid}/reschedule",
    operation_id="rescheduleSession",
    errors=(409, 413, 415),
    rules=("date_time", "date_range", "nonexistent_local_time", "end_after_start", "max_duration"),
)
async def reschedule(
    conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[RescheduleIn]
) -> SessionResult:
    """Move a planned session (reason required): its SEQUENCE increments, history is kept."""
    return await service.reschedule(conn, principal, session_id, data)


@action(
    "/{session_id:uuid}/cancel",
    operation_id="cancelSession",
    errors=(409, 413, 415),
)
async def cancel(
    conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[CancelIn]
) -> Session:
    """Cancel a planned session, or a closed one held in error (reason required); it stays,
    with STATUS:CANCELLED in its calendars. A cancelled session is a 409 (`session_cancelled`).

    Cancelling a closed session undoes what its closing set off, from its `session.cancelled`
    event (`previous_status: closed`): accreditation reverses each credit of the session in its
    ledger (a reversal entry appended for each), and invoicing credits each issued or paid
    invoice of its cost sheet with a credit note and discards its drafts."""
    return await service.cancel(conn, principal, session_id, reason=data.reason)


@action(
    "/{session_id:uuid}/close",
    operation_id="closeSession",
    opt=links(
        link("signSession", session_id="$request.path.session_id"),
        link("getProofOfAttendance", session_id="$request.path.session_id"),
    ),
    errors=(409, 413, 415),
    rules=("required", "session_not_started", "attendance_incomplete"),
)
async def close(
    conn: Conn, principal: Me, session_id: SessionId, data: JSONBody[CloseIn]
) -> SessionResult:
    """Close a session once every member's attendance is recorded; closed, it is no longer
    moved or recorded: its attendance changes only by amendments (`amendAttendance`), and a
    session closed in error is cancelled (`cancelSession`): its ledger credits are then
    reversed and its invoices credited.

    Closing by the facilitator is their signature on the proof; when an admin closes,
    the facilitator signs afterwards (`POST .../signatures`). Warns about members whose
    absences exceed the group's `max_absences`.

    `costs` are this session's own costs (preparation and travel time, kilometres, the
    room, other costs with what they were): kept with the session and sent in its
    `session.closed` event, from which invoicing bills them; a figure left out is the
    facilitator's billing-profile default there. Other costs above 0 without
    `other_description` are a 422 (`required`); a figure out of its range a 400 (`range`).
    """
    return await service.close(
        conn, principal, session_id, description=data.description, costs=data.costs
    )


HANDLERS = [plan, list_page, get_one, changes, reschedule, cancel, close]


class CalendarController(Controller):
    tags = ("calendars",)

    @get(
        "/v1/people/{person_id:uuid}/calendar.ics",
        operation_id="getPersonCalendar",
        media_type=ical.MEDIA_TYPE,
        response_description="An RFC 5545 iCalendar feed (`text/calendar`).",
        responses=problems(),
    )
    async def person_calendar(
        self, conn: Conn, principal: Me, person_id: PersonId
    ) -> Response[bytes]:
        """The sessions a person facilitates or is a member for, as an iCalendar feed: for the
        person themself and for an admin (anyone else gets 404).

        UIDs are stable per session, SEQUENCE counts reschedules, cancelled sessions stay
        with STATUS:CANCELLED; times carry TZID=Europe/Amsterdam with its VTIMEZONE.
        """
        feed = await service.person_calendar(conn, principal, person_id)
        return Response(feed, media_type=ical.MEDIA_TYPE)

    @get(
        "/v1/groups/{group_id:uuid}/calendar.ics",
        operation_id="getGroupCalendar",
        media_type=ical.MEDIA_TYPE,
        response_description="An RFC 5545 iCalendar feed (`text/calendar`).",
        responses=problems(),
    )
    async def group_calendar(self, conn: Conn, principal: Me, group_id: GroupId) -> Response[bytes]:
        """The group's sessions as an iCalendar feed (see the person's feed for the format), for
        whoever may read the group: an admin, its facilitator and its members (else 404)."""
        feed = await service.group_calendar(conn, principal, group_id)
        return Response(feed, media_type=ical.MEDIA_TYPE)
