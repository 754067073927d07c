"""The wire format of a person's data in invoicing: the records of their export, the export
itself as the contract describes it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from services.kit.schemas import Outbound
from services.kit.subjects import SubjectDocument

from ..debtors.schemas import Debtor, StoredDebtor
from ..invoices.schemas import Invoice
from ..relations.schemas import Pays

ERASED_NAME = "[erased]"
"""What stands where an erased person's name stood, outside the invoices kept by law."""


class CostSheetShare(Outbound, frozen=True):
    """The person as a participant of a cost sheet: their place in its split and the debtor
    given for them on it. `id` is the cost sheet's."""

    id: uuid.UUID
    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    description: str
    supply_date: date
    position: Annotated[int, msgspec.Meta(description="Their place in the sheet's order, from 0.")]
    name: str
    member: bool
    attended: bool
    debtor: Debtor | None
    client_organisation_id: uuid.UUID | None
    created_at: datetime


class BillingChoice(Outbound, frozen=True):
    """Who pays the person's invoices (`PUT /v1/debtors/for-person/{id}`); `id` is the
    person's."""

    id: uuid.UUID
    pays: Pays
    debtor_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class UnbilledAttendance(Outbound, frozen=True):
    """The person in a closed session waiting to be billed, as scheduling's closing named
    them; `id` is the waiting session's."""

    id: uuid.UUID
    session_id: uuid.UUID
    name: str
    status: str
    employer_id: uuid.UUID | None
    held_at: datetime


class InvoicingRecords(Outbound, frozen=True):
    invoices: list[Invoice]
    """Every invoice of the person, drafts too; each issued one's PDF is in `documents`."""
    credit_notes: list[Invoice]
    cost_sheet_shares: list[CostSheetShare]
    billing_choices: list[BillingChoice]
    debtors: Annotated[
        list[StoredDebtor],
        msgspec.Meta(description="The debtors that are the person: their own, paying themselves."),
    ]
    unbilled_attendance: list[UnbilledAttendance]


class SubjectExport(Outbound, frozen=True):
    """Everything invoicing holds about a person, each record with its `id`; the PDF of each
    issued invoice and credit note is named in `documents` (read it at its `href`)."""

    service: str
    person_id: uuid.UUID
    exported_at: datetime
    records: InvoicingRecords
    documents: list[SubjectDocument]
