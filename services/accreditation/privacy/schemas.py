"""What accreditation holds about a person, kind by kind, as its export states it (each record
with the ``id`` that names it among its kind)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from services.kit.schemas import Outbound
from services.kit.subjects import SubjectDocument

from ..ledger.schemas import LedgerEntry


class OutcomeRecord(Outbound, frozen=True):
    id: uuid.UUID
    session_id: uuid.UUID
    session_date: date
    register_code: str
    registration_number: str | None
    person_name: str
    status: str
    entry_id: uuid.UUID | None
    minutes: int | None
    points_centi: int | None
    reasons: list[dict[str, Any]]
    rule_version: int | None
    judged_at: datetime


class SnapshotRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The session's id: the person as the closed session's snapshot states them."""
    session_id: uuid.UUID
    received_at: datetime
    updated_at: datetime
    attendee: dict[str, Any]


class ConfirmationRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The session's id: when the person confirmed attending it."""
    session_id: uuid.UUID
    confirmed_at: datetime


class ConsentRecord(Outbound, frozen=True):
    id: uuid.UUID
    register_code: str
    granted_at: datetime
    revoked_at: datetime | None


class CredentialRecord(Outbound, frozen=True):
    id: uuid.UUID
    kind: str
    register_code: str
    cycle_start: date
    cycle_end: date
    entry_id: uuid.UUID | None
    entry_ids: list[uuid.UUID]
    reflection_ids: list[uuid.UUID]
    status_list: int
    status_index: int
    issued_at: datetime
    key_id: str
    jws: str
    """The signed credential (empty once erased with its person)."""
    replaces_id: uuid.UUID | None
    revoked_at: datetime | None
    revoked_reason: str | None


class ReflectionRecord(Outbound, frozen=True):
    id: uuid.UUID
    """A reflection statement the person requested, or one naming them as supervisor."""
    person_id: uuid.UUID
    person_name: str
    register_code: str
    cycle_start: date
    cycle_end: date
    supervisor_id: uuid.UUID
    supervisor_name: str
    requested_at: datetime
    requested_by: str
    status: str
    countersigned_at: datetime | None
    countersigned_by: str | None
    recognition_register: str | None
    recognition_number: str | None


class EventRecord(Outbound, frozen=True):
    id: uuid.UUID
    """An event accreditation announced about the person, as its feed serves it now."""
    type: str
    aggregate_id: uuid.UUID
    occurred_at: datetime
    data: dict[str, Any]


class ProcessingRecord(Outbound, frozen=True):
    id: uuid.UUID
    """A read, export or erasure of the person's data: who, when, what and why."""
    at: datetime
    actor_subject: str
    actor_role: str
    operation: str
    scope: str | None
    grant: str
    request_id: str | None


class ErasureRecord(Outbound, frozen=True):
    id: uuid.UUID
    """The person's id: accreditation's part of their erasure."""
    erased_at: datetime
    erased_by: str
    entries_shredded: int
    credentials_revoked: int


class AccreditationRecords(Outbound, frozen=True):
    ledger_entries: list[LedgerEntry]
    outcomes: list[OutcomeRecord]
    session_snapshots: list[SnapshotRecord]
    attendance_confirmations: list[ConfirmationRecord]
    consents: list[ConsentRecord]
    credentials: list[CredentialRecord]
    reflection_statements: list[ReflectionRecord]
    events: list[EventRecord]
    processing_log: list[ProcessingRecord]
    erasures: list[ErasureRecord]


class AccreditationExport(Outbound, frozen=True):
    """Everything accreditation holds about one person."""

    service: Literal["accreditation"]
    person_id: uuid.UUID
    exported_at: datetime
    records: AccreditationRecords
    documents: list[SubjectDocument]
    """Each credential of the person as a PDF (`credential_pdf`, served by `getCredentialPdf`)."""
