"""What scheduling holds about a person, kind by kind, as its export states it (each record
with the ``id`` that names it among its kind)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from services.kit.schemas import Outbound
from services.kit.subjects import SubjectDocument, SubjectEvent


class PersonRecord(Outbound, frozen=True):
    id: uuid.UUID
    external_id: str
    given_name: str
    family_name: str
    email: str | None
    employer_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    career_started_on: date | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    """When the person was pseudonymised (their name and identifiers replaced)."""


class RegistrationRecord(Outbound, frozen=True):
    id: str
    """The register's code (a person is registered once per register)."""
    register: str
    number: str
    registered_on: date | None


class MembershipRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The group's id (a person is a member of a group once)."""
    group_id: uuid.UUID
    group_name: str
    joined_at: datetime
    left_at: datetime | None


class ConsentRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The group's id: the person's consent to take part in it, voluntarily."""
    group_id: uuid.UUID
    given_at: datetime


class AgreementRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The group's id: the version of its agreement the person accepted last."""
    group_id: uuid.UUID
    version: int
    accepted_at: datetime
    ground_rules: str
    confidentiality: str


class AttendanceRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The session's id."""
    session_id: uuid.UUID
    group_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    session_status: str
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    joined: str | None
    confirmed_at: datetime | None
    """When the person signed the proof of attendance (confirmed being present)."""
    recorded_by: str
    recorded_at: datetime
    amendment_id: uuid.UUID | None


class AmendmentRecord(Outbound, frozen=True):
    id: uuid.UUID
    session_id: uuid.UUID
    status: str
    arrived_at: datetime | None
    departed_at: datetime | None
    previous_status: str
    previous_arrived_at: datetime | None
    previous_departed_at: datetime | None
    reason: str
    amended_by: str
    amended_at: datetime


class FacilitatorRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The person's id: they facilitate groups, with these recognitions."""
    recognitions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class CalendarFeedRecord(Outbound, frozen=True):
    id: uuid.UUID
    """A calendar feed URL of the person's (its secret is not kept, only its hash)."""
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_because: str | None


class ErasureRecord(Outbound, frozen=True):
    id: uuid.UUID
    """An erasure request about the person."""
    status: str
    requested_by: str
    requested_at: datetime
    completed_at: datetime | None
    refusal: dict[str, Any] | None


class SchedulingRecords(Outbound, frozen=True):
    people: list[PersonRecord]
    registrations: list[RegistrationRecord]
    memberships: list[MembershipRecord]
    consents: list[ConsentRecord]
    agreements: list[AgreementRecord]
    attendance: list[AttendanceRecord]
    attendance_amendments: list[AmendmentRecord]
    facilitators: list[FacilitatorRecord]
    calendar_feeds: list[CalendarFeedRecord]
    erasure_requests: list[ErasureRecord]
    events: list[SubjectEvent]


class SchedulingExport(Outbound, frozen=True):
    """Everything scheduling holds about one person."""

    service: Literal["scheduling"]
    person_id: uuid.UUID
    exported_at: datetime
    records: SchedulingRecords
    documents: list[SubjectDocument]
    """Scheduling keeps no documents of a person: always empty."""
