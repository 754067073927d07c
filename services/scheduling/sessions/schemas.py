"""The wire format of sessions: what a client sends and gets, and the payloads of the events
(documented as the contract's webhooks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
        pattern=r"^(RRULE:)?[A-Z]+=[!-:<-~]+(;[A-Z]+=[!-:<-~]+)*$",
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
        max_length=500,
        pattern=r"^https://[!-~]+$",
        description="An https URL, in ASCII (percent-encoded, as RFC 3986 writes it).",
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
Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440, description="Minutes, 0 to 24 hours.")]
Kilometres = Annotated[int, msgspec.Meta(ge=0, le=10_000, description="Kilometres, 0 to 10000.")]
Cents = Annotated[
    int, msgspec.Meta(ge=0, le=10_000_000, description="Euro cents excluding BTW, at most 100000.")
]
CostLabel = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=PRINTABLE_NOT_BLANK,
        description="Printed on the invoices, e.g. 'Zaalhuur De Observant'.",
    ),
]


class SessionPlanIn(Inbound, kw_only=True, frozen=True):
    """One session, or a series when ``rrule`` is given."""

    examples = (
        {
            "group_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d03",
            "start": "2026-03-26T19:00",
            "end": "2026-03-26T21:30",
            "mode": "in_person",
            "location": "Stadskantoor Utrecht, Jaarbeursplein 13",
            "description": "Intervisie volgens de incidentmethode.",
        },
    )

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
    examples = (
        {"start": "2026-04-02T19:00", "end": "2026-04-02T21:30", "reason": "De zaal is bezet."},
    )

    start: LocalDateTime
    end: LocalDateTime
    reason: Reason


class CancelIn(Inbound, frozen=True):
    examples = ({"reason": "De begeleider is ziek."},)

    reason: Reason


class SessionCostsIn(Inbound, kw_only=True, frozen=True):
    """What this session cost the facilitator, entered at closing and billed by invoicing.

    Each figure is optional: one left out (or null) is filled in by invoicing from the
    facilitator's billing profile, a figure given (0 too) is billed as given. Scheduling keeps
    and passes on what was entered; it computes nothing with money."""

    examples = (
        {
            "preparation_minutes": 30,
            "travel_minutes": 45,
            "travel_km": 38,
            "location_cents": 9500,
            "location_description": "Zaal De Observant",
            "other_cents": 0,
        },
    )

    preparation_minutes: Minutes | None = None
    travel_minutes: Minutes | None = None
    travel_km: Kilometres | None = None
    location_cents: Annotated[
        Cents | None, msgspec.Meta(description="The room or venue, in euro cents excluding BTW.")
    ] = None
    location_description: Annotated[
        CostLabel | None,
        msgspec.Meta(description="The location line's text on the invoices ('Locatiekosten')."),
    ] = None
    other_cents: Annotated[
        Cents | None,
        msgspec.Meta(
            description="Other costs (materials, catering), in euro cents excluding BTW; above 0"
            " they need `other_description` (else a 422, rule `required`)."
        ),
    ] = None
    other_description: CostLabel | None = None


class CloseIn(Inbound, kw_only=True, frozen=True):
    examples = (
        {
            "description": "Intervisie volgens de incidentmethode.",
            "costs": {"preparation_minutes": 30, "travel_km": 38, "location_cents": 9500},
        },
    )

    description: Description | None = None
    """Replaces the planned description when given."""
    costs: Annotated[
        SessionCostsIn | None,
        msgspec.Meta(
            description="This session's own costs, kept with it and sent in `session.closed` for"
            " its invoices. Each figure is optional: invoicing fills one left out (or null) from"
            " the facilitator's billing profile and bills one given (0 too) as given."
        ),
    ] = None


class SessionCosts(Outbound, frozen=True):
    """The costs entered when the session was closed, as entered: null is a figure left out
    (invoicing fills it in from the facilitator's billing profile)."""

    preparation_minutes: int | None
    travel_minutes: int | None
    travel_km: int | None
    location_cents: int | None
    location_description: str | None
    other_cents: int | None
    other_description: str | None


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
    costs: Annotated[
        SessionCosts | None,
        msgspec.Meta(description="The costs entered at closing (`POST .../close`); null: none."),
    ]
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
    date: date
    """The session's date in Amsterdam."""
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
    member_ids: Annotated[
        list[uuid.UUID],
        msgspec.Meta(
            description="The group's members at closing, in join order: who joined first comes"
            " first (at the same instant: by person id). Invoicing splits the costs in this"
            " order, so the leftover cents of an equal split go to the earliest members."
        ),
    ]
    facilitator: EventFacilitator
    attendees: list[EventAttendee]
    costs: Annotated[
        SessionCosts | None,
        msgspec.Meta(
            description="The costs the facilitator entered at closing, as entered (a null figure"
            " was left out); null when none were. Invoicing bills them, the billing profile's"
            " defaults filling what was left out."
        ),
    ]


class AttendanceAmendedData(SessionClosedData, frozen=True):
    """`attendance.amended`: a closed session's snapshot (as in `session.closed`), amended."""

    person_id: uuid.UUID
    """Whose attendance was amended."""
    reason: str


class EventMember(Outbound, frozen=True):
    """A member a session concerns, and the client organisation employing them."""

    person_id: uuid.UUID
    employer_id: uuid.UUID | None


EventMembers = Annotated[
    list[EventMember],
    msgspec.Meta(
        description="The group's members the session concerns (who had not left when it"
        " starts), by person id; an HR client sees only its own employees."
    ),
]


class SessionCancelledData(Outbound, frozen=True):
    """`session.cancelled`: when `previous_status` is closed, hours and invoices are reversed."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    reason: str
    previous_status: Literal["planned", "closed"]
    members: EventMembers


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
    members: EventMembers


class SessionRescheduledData(SessionScheduledData, frozen=True):
    """`session.rescheduled`: a planned session was moved (its times as they now are, and as
    they were); calendars follow with a higher `sequence`."""

    previous_starts_at: datetime
    previous_ends_at: datetime
    reason: str
    sequence: int
    """The session's iCalendar SEQUENCE after the move."""


class EventSignedAttendee(Outbound, frozen=True):
    """A member whose recorded attendance the facilitator's signature vouches for."""

    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    status: Presence


class SessionSignedOffData(Outbound, frozen=True):
    """`session.signed_off`: the facilitator signed a closed session's proof of attendance
    (by closing it, or afterwards when an admin closed it), vouching for the attendance
    recorded; each present member still confirms their own (`attendance.confirmed`). The
    proof is `GET /v1/sessions/{id}/proof`. An HR client sees it when one of its people was
    recorded, `attendees` reduced to them."""

    session_id: uuid.UUID
    group_id: uuid.UUID
    facilitator_id: uuid.UUID
    signed_at: datetime
    attendees: list[EventSignedAttendee]
    """Everyone recorded (present, absent, excused), by person id and employer."""


class AttendanceConfirmedData(Outbound, frozen=True):
    """`attendance.confirmed`: a present participant confirmed their attendance."""

    session_id: uuid.UUID
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person."""
    confirmed_at: datetime
