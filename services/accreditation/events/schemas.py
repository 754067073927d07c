"""The events accreditation consumes, as scheduling sends them, and what the route answers.

The event Structs are tolerant (unknown fields are ignored, not refused): a producer may
add fields without breaking its consumers. Only what accreditation uses is declared.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

import msgspec

from services.kit.schemas import Outbound

SOURCE = "scheduling"
SESSION_CLOSED = "session.closed"
SESSION_CANCELLED = "session.cancelled"
PERSON_UPDATED = "person.updated"
ATTENDANCE_AMENDED = "attendance.amended"
ATTENDANCE_CONFIRMED = "attendance.confirmed"


class EventRegistration(msgspec.Struct, frozen=True, kw_only=True):
    register: str
    number: str
    registered_on: date | None = None
    """Registration-aligned registers wait for it (`pending`) while it is not known."""


class EventRecognition(msgspec.Struct, frozen=True, kw_only=True):
    register: str
    role: str | None = None
    number: str | None = None


class EventFacilitator(msgspec.Struct, frozen=True, kw_only=True):
    person_id: uuid.UUID | None = None
    name: str
    recognitions: list[EventRecognition] = msgspec.field(default_factory=list)


class EventAttendee(msgspec.Struct, frozen=True, kw_only=True):
    person_id: uuid.UUID
    name: str
    status: Literal["present", "absent", "excused"]
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    joined: str | None = None
    """How the attendee took part in a hybrid session: `in_person` or `online`."""
    registrations: list[EventRegistration] = msgspec.field(default_factory=list)
    employer_id: uuid.UUID | None = None


class SessionClosedData(msgspec.Struct, frozen=True, kw_only=True):
    """`session.closed`: the snapshot of a closed session."""

    session_id: uuid.UUID
    date: date
    starts_at: datetime
    ends_at: datetime
    mode: Literal["in_person", "online", "hybrid"]
    method: str | None = None
    group_size: int
    facilitator: EventFacilitator
    attendees: list[EventAttendee]


class AttendanceAmendedData(SessionClosedData, frozen=True, kw_only=True):
    """`attendance.amended`: a closed session's attendance corrected, with the session's
    snapshot as it is after the amendment (the shape of `session.closed`)."""

    person_id: uuid.UUID | None = None
    reason: str | None = None


class SessionCancelledData(msgspec.Struct, frozen=True, kw_only=True):
    """`session.cancelled`: a session closed in error is reversed."""

    session_id: uuid.UUID
    reason: str
    previous_status: str


class PersonUpdatedData(msgspec.Struct, frozen=True, kw_only=True):
    """`person.updated`: a person's name or registrations changed; the registrations as they
    are now, in the shape of the attendees' in `session.closed`."""

    person_id: uuid.UUID
    name: str | None = None
    registrations: list[EventRegistration] = msgspec.field(default_factory=list)


class AttendanceConfirmedData(msgspec.Struct, frozen=True, kw_only=True):
    """`attendance.confirmed`: a present participant confirmed their attendance (after the
    session closed): their signature on the proof of attendance."""

    session_id: uuid.UUID
    person_id: uuid.UUID
    confirmed_at: datetime


class EventOutcome(Outbound, frozen=True, kw_only=True):
    """What the consumer did with one delivery."""

    status: Literal["applied", "duplicate", "ignored"]
    event_id: uuid.UUID
    type: str
    recorded: int = 0
    already_recorded: int = 0
    refused: int = 0
    pending: int = 0
    reversed: int = 0
