"""What scheduling sends to accreditation's preflight (`POST /v1/preflight`, its contract) and
reads of the answer: tolerant of fields accreditation may add."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec

from services.kit.schemas import Outbound


class PreflightRegistration(Outbound, frozen=True):
    register: str
    number: str
    registered_on: date | None = None


class PreflightMember(Outbound, frozen=True):
    person_id: uuid.UUID
    registrations: list[PreflightRegistration]


class PreflightRecognition(Outbound, frozen=True):
    register: str
    role: str


class PreflightFacts(Outbound, frozen=True):
    """A group after a member joins, or a session as planned."""

    group_size: int
    mode: str
    facilitator_recognitions: list[PreflightRecognition]
    members: list[PreflightMember]
    planned_minutes: int | None = None


class PreflightWarning(msgspec.Struct, frozen=True, kw_only=True):
    register: str
    rule: str
    message: str
    person_id: uuid.UUID | None = None


class PreflightResult(msgspec.Struct, frozen=True, kw_only=True):
    warnings: list[PreflightWarning]
