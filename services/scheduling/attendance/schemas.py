"""The wire format of attendance: records, amendments and the proof of attendance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.kit.schemas import Inbound, Outbound

from ..sessions.schemas import LocalDateTime, Presence, Reason, Status, Warning

Joined = Literal["in_person", "online"]


class AttendanceTimes(Inbound, kw_only=True, frozen=True):
    """What is recorded of a member, and what an amendment corrects."""

    status: Presence
    arrived_at: LocalDateTime | None = None
    """Present only; the session's start when left out."""
    departed_at: LocalDateTime | None = None
    """Present only; the session's end when left out."""


class AttendanceIn(AttendanceTimes, kw_only=True, frozen=True):
    examples = (
        {"status": "present", "arrived_at": "2026-03-26T19:10", "departed_at": "2026-03-26T21:30"},
    )

    joined: Joined | None = None
    """Present only: how the member joined a hybrid session (in person when left out); an
    in-person or online session is joined as it is held."""


class AmendmentIn(AttendanceTimes, kw_only=True, frozen=True):
    examples = ({"status": "excused", "reason": "Afgemeld bij de begeleider; te laat verwerkt."},)

    reason: Reason


class Amendment(Outbound, frozen=True):
    id: uuid.UUID
    status: Presence
    arrived_at: datetime | None
    departed_at: datetime | None
    previous_status: Presence
    previous_arrived_at: datetime | None
    previous_departed_at: datetime | None
    reason: str
    amended_by: str
    amended_at: datetime


class Attendance(Outbound, frozen=True):
    session_id: uuid.UUID
    person_id: uuid.UUID
    status: Presence
    arrived_at: datetime | None
    departed_at: datetime | None
    joined: Joined | None
    """How the member joined a hybrid session, as recorded; null when not said."""
    confirmed_at: datetime | None
    recorded_at: datetime
    updated_at: datetime


class AttendanceResult(Outbound, frozen=True):
    attendance: Attendance
    warnings: list[Warning]


class ProofFacilitator(Outbound, frozen=True):
    person_id: uuid.UUID
    name: str
    signed_at: datetime | None


class ProofMethod(Outbound, frozen=True):
    id: uuid.UUID
    name: str


class ProofAttendee(Outbound, frozen=True):
    person_id: uuid.UUID
    name: str
    status: Presence
    arrived_at: datetime | None
    departed_at: datetime | None
    confirmed_at: datetime | None
    amendments: list[Amendment]


class Proof(Outbound, frozen=True):
    """The proof of attendance (bewijs van deelname): who was there, and who has signed."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    status: Status
    date: date
    """The session's date in Amsterdam."""
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    timezone: str
    method: ProofMethod | None
    description: str | None
    facilitator: ProofFacilitator
    attendees: list[ProofAttendee]
    complete: bool
    """True once closed, signed by the facilitator and confirmed by every present member."""
    missing_signatures: list[uuid.UUID]
    warnings: list[Warning]
