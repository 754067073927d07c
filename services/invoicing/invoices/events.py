"""Invoices' events, built in one place and written with the change that caused them (outbox).

Each is a snapshot of the invoice as the change left it. Its aggregate is the invoice (for
``invoice.credited`` the invoice credited), so a subscriber receives one invoice's events in
order: issued, then paid, then credited. What they carry is data-minimised: ids, the number,
dates and amounts; never a name, an address or an e-mail address (ADR 0024).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import asyncpg

from services.kit.errors import FieldError

from .. import webhooks
from .schemas import (
    Invoice,
    InvoiceCreditedData,
    InvoiceEventData,
    InvoiceIssuedData,
    InvoiceNotIssuedData,
    InvoicePaidData,
)

InvoiceData = InvoiceIssuedData | InvoicePaidData | InvoiceCreditedData | InvoiceNotIssuedData


async def emit(conn: asyncpg.Connection, org_id: uuid.UUID, data: InvoiceData) -> None:
    """The event commits with the change that caused it; its aggregate is the invoice."""
    await webhooks.emit(conn, org_id, data, aggregate_id=data.invoice_id)


E = TypeVar("E", bound=InvoiceEventData)


def _of(shape: type[E], invoice: Invoice, **fields: Any) -> E:
    """``shape`` for an issued ``invoice``: its id, each field the invoice has by the same name
    (number, amounts, dates, …) and ``fields``."""
    assert invoice.number is not None and invoice.issue_date is not None, "not issued"
    same = {name: getattr(invoice, name) for name in shape.__struct_fields__ if name in _INVOICE}
    return shape(**{**same, "invoice_id": invoice.id, **fields})


_INVOICE = frozenset(Invoice.__struct_fields__)


def issued(invoice: Invoice) -> InvoiceIssuedData:
    return _of(InvoiceIssuedData, invoice)


def paid(invoice: Invoice) -> InvoicePaidData:
    assert invoice.paid_on is not None
    return _of(InvoicePaidData, invoice)


def not_issued(draft: Invoice, reasons: list[FieldError]) -> InvoiceNotIssuedData:
    return InvoiceNotIssuedData(
        invoice_id=draft.id,
        cost_sheet_id=draft.cost_sheet_id,
        facilitator_id=draft.facilitator_id,
        person_id=draft.person_id,
        client_organisation_id=draft.client_organisation_id,
        reasons=reasons,
    )


def credited(original: Invoice, note: Invoice) -> InvoiceCreditedData:
    """``original`` as it was when credited: its ``paid_on`` says whether it had been paid."""
    assert note.number is not None and note.issue_date is not None
    return _of(
        InvoiceCreditedData,
        original,
        credit_note_id=note.id,
        credit_note_number=note.number,
        credit_note_issue_date=note.issue_date,
    )
