"""Attendance and the proof of attendance (bewijs van deelname).

The group's facilitator (token role ``facilitator`` with claim ``person``) or an admin records
attendance and amends it once the session is closed. When an admin closes, the facilitator
signs afterwards with ``POST /v1/sessions/{id}/signatures``; each member recorded as present
confirms with the same call (role ``participant``, claim ``person``). The proof is complete
when the session is closed, the facilitator has signed and every present member has
confirmed. An amendment that changes a member's record asks for that member's confirmation
again.

The handlers below share ``/v1/sessions`` with sessions': ``HANDLERS`` lists them, the app
mounts both lists on one router.
"""

from __future__ import annotations

import uuid

from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.routes import action

from ..principal import Principal
from . import service
from .schemas import AmendmentIn, AttendanceIn, AttendanceResult, Proof

Me = NamedDependency[Principal]
SessionId = FromPath[uuid.UUID]
PersonId = FromPath[uuid.UUID]


@put(
    "/{session_id:uuid}/attendance/{person_id:uuid}",
    operation_id="recordAttendance",
    opt=links(
        link(
            "amendAttendance",
            session_id="$request.path.session_id",
            person_id="$request.path.person_id",
        )
    ),
    responses=problems(
        409,
        413,
        415,
        rules=(
            "not_a_member",
            "times_only_when_present",
            "within_session",
            "departure_after_arrival",
            "joined_only_when_present",
            "joined_as_held",
            "date_time",
            "date_range",
            "nonexistent_local_time",
        ),
    ),
)
async def record_attendance(
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
    return await service.record(conn, principal, session_id, person_id, data)


@post(
    "/{session_id:uuid}/attendance/{person_id:uuid}/amendments",
    operation_id="amendAttendance",
    responses=problems(
        409,
        413,
        415,
        rules=(
            "times_only_when_present",
            "within_session",
            "departure_after_arrival",
            "date_time",
            "date_range",
            "nonexistent_local_time",
        ),
    ),
)
async def amend_attendance(
    conn: Conn,
    principal: Me,
    session_id: SessionId,
    person_id: PersonId,
    data: JSONBody[AmendmentIn],
) -> AttendanceResult:
    """Correct the attendance of a closed session, with a reason; the history is kept.

    A changed record needs the participant's confirmation again. The corrected session is
    announced as `attendance.amended`, so ledgers follow the correction.
    """
    return await service.amend(conn, principal, session_id, person_id, data)


@action(
    "/{session_id:uuid}/signatures",
    operation_id="signSession",
    errors=(409,),
    rules=("present_only",),
)
async def sign(conn: Conn, principal: Me, session_id: SessionId) -> Proof:
    """Sign the proof of a closed session as its facilitator, or confirm your own presence.

    The caller is the token's `person`. Signing again changes nothing.
    """
    return await service.sign(conn, principal, session_id)


@get(
    "/{session_id:uuid}/proof",
    operation_id="getProofOfAttendance",
    responses=problems(),
)
async def proof(conn: Conn, principal: Me, session_id: SessionId) -> Proof:
    """The proof of attendance: date, times, method, facilitator, attendees, signatures.

    Complete once the session is closed, the facilitator signed and every present member
    confirmed. Holds no case content: at most a short, non-substantive description.
    """
    return await service.proof(conn, principal, session_id)


HANDLERS = [record_attendance, amend_attendance, sign, proof]
