"""The wire format of sessions: what a client sends and gets, and the payloads of the events
(documented as the contract's webhooks)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE, PRINTABLE_NOT_BLANK, Inbound, Outbound

from ..people.schemas import EventRegistration

Mode = Literal["in_person", "online", "hybrid"]
Status = Literal["planned", "closed", "cancelled"]
Presence = Literal["present", "absent", "excused"]

LocalDateTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$",
        description=(
            "A wall-clock date and time in Europe/Amsterdam, e.g. `2026-03-26T19:00`; with an"
            " offset (`Z`, `+01:00`) it is that instant, shown in Amsterdam time."
        ),
    ),
]
RRule = Annotated[
    str,
    msgspec.Meta(
        max_length=500,
        pattern=r"^(RRULE:)?[A-Z]+=[^;\s]+(;[A-Z]+=[^;\s]+)*$",
        description=(
            "An RFC 5545 recurrence rule, expanded in Amsterdam wall time from `start`, e.g."
            " `FREQ=MONTHLY;INTERVAL=3;COUNT=4`. Parts: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY),"
            " INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, WKST; at most 52 sessions."
        ),
    ),
]
Location = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=PRINTABLE_NOT_BLANK)]
VideoLink = Annotated[
    str,
    msgspec.Meta(
        max_length=500, pattern=r"^https://[^\s\x00-\x1f\x7f]+$", description="An https URL."
    ),
]
Description = Annotated[
    str,
    msgspec.Meta(
        max_length=280,
        pattern=PRINTABLE,
        description="Short and non-substantive (e.g. 'Intervisie, incidentmethode'): no case"
        " content.",
    ),
]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=PRINTABLE_NOT_BLANK)]


class SessionPlanIn(Inbound, kw_only=True, frozen=True):
    """One session, or a series when ``rrule`` is given."""

    group_id: uuid.UUID
    start: LocalDateTime
    """Start of the (first) session."""
    end: LocalDateTime
    """End of the (first) session; every occurrence keeps this wall-clock length."""
    rrule: RRule | None = None
    mode: Mode | None = None
    """The group's mode when left out."""
    location: Location | None = None
    """The group's location when left out (needed in person and hybrid)."""
    video_link: VideoLink | None = None
    """Needed online and hybrid."""
    method_id: uuid.UUID | None = None
    """A method of the catalogue or the tenant; the group's default method when left out."""
    description: Description | None = None


class RescheduleIn(Inbound, frozen=True):
    start: LocalDateTime
    end: LocalDateTime
    reason: Reason


class CancelIn(Inbound, frozen=True):
    reason: Reason


class CloseIn(Inbound, kw_only=True, frozen=True):
    description: Description | None = None
    """Replaces the planned description when given."""


class Warning(Outbound, omit_defaults=True, frozen=True):
    """A rule the request strains without being refused."""

    rule: str
    message: str
    field: str | None = None
    session_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None


class Session(Outbound, frozen=True):
    id: uuid.UUID
    group_id: uuid.UUID
    series_id: uuid.UUID | None
    rrule: str | None
    occurrence: int | None
    status: Status
    starts_at: datetime
    """With its UTC offset, in Amsterdam time."""
    ends_at: datetime
    local_start: str
    """Wall-clock time in `timezone`, without offset."""
    local_end: str
    timezone: str
    mode: Mode
    location: str | None
    video_link: str | None
    method_id: uuid.UUID | None
    facilitator_id: uuid.UUID
    description: str | None
    sequence: int
    """Incremented by each reschedule and by the cancellation (iCalendar SEQUENCE)."""
    cancel_reason: str | None
    closed_at: datetime | None
    facilitator_signed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SessionResult(Outbound, frozen=True):
    session: Session
    warnings: list[Warning]


class SessionPlan(Outbound, frozen=True):
    series_id: uuid.UUID | None
    sessions: list[Session]
    warnings: list[Warning]


class SessionPage(Outbound, frozen=True):
    items: list[Session]
    next_cursor: str | None


class SessionChange(Outbound, frozen=True):
    id: uuid.UUID
    kind: Literal["rescheduled", "cancelled"]
    reason: str
    previous_starts_at: datetime
    previous_ends_at: datetime
    starts_at: datetime
    ends_at: datetime
    sequence: int
    changed_by: str
    changed_at: datetime


class SessionChanges(Outbound, frozen=True):
    items: list[SessionChange]


class EventRecognition(Outbound, frozen=True):
    register: str
    role: str
    number: str | None = None


class EventFacilitator(Outbound, frozen=True):
    person_id: uuid.UUID
    name: str
    recognitions: list[EventRecognition]


class EventAttendee(Outbound, frozen=True):
    person_id: uuid.UUID
    name: str
    given_name: str
    family_name: str
    employer_id: uuid.UUID | None
    status: Presence
    arrived_at: datetime | None
    departed_at: datetime | None
    joined: Literal["in_person", "online"] | None
    """How a present attendee took part: in a hybrid session as recorded (in person when not
    said), otherwise as the session was held; null when not present."""
    registrations: list[EventRegistration]


class SessionClosedData(Outbound, frozen=True):
    """`session.closed`: a snapshot, true as it was at closing, for ledgers and invoices."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    date: str
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    timezone: str
    mode: str
    location: str | None
    method: str | None
    description: str | None
    group_size: int
    """Members who count at closing (voluntary consent, current agreement accepted)."""
    member_ids: list[uuid.UUID]
    facilitator: EventFacilitator
    attendees: list[EventAttendee]


class AttendanceAmendedData(SessionClosedData, frozen=True):
    """`attendance.amended`: a closed session's snapshot (as in `session.closed`), amended."""

    person_id: uuid.UUID
    """Whose attendance was amended."""
    reason: str


class SessionCancelledData(Outbound, frozen=True):
    """`session.cancelled`: when `previous_status` is closed, hours and invoices are reversed."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    reason: str
    previous_status: Literal["planned", "closed"]


class SessionScheduledData(Outbound, frozen=True):
    """`session.scheduled`: a session was planned."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    local_start: str
    local_end: str
    mode: str
    facilitator_id: uuid.UUID


class AttendanceConfirmedData(Outbound, frozen=True):
    """`attendance.confirmed`: a present participant confirmed their attendance."""

    session_id: uuid.UUID
    person_id: uuid.UUID
    confirmed_at: datetime
