"""Every event invoicing sends (its contract's ``webhooks``, its feed's types), and how one is
written: to the outbox, in the transaction of the change that caused it."""

from __future__ import annotations

from services.kit.events import Emitter
from services.kit.subjects import SubjectErasedData

from .config import SCHEMA
from .costs.schemas import CostSheetNeedsDebtorData
from .events.schemas import SessionUnbilledData
from .invoices.schemas import (
    InvoiceCreditedData,
    InvoiceIssuedData,
    InvoiceNotIssuedData,
    InvoicePaidData,
)

EventData = (
    CostSheetNeedsDebtorData
    | InvoiceIssuedData
    | InvoicePaidData
    | InvoiceCreditedData
    | InvoiceNotIssuedData
    | SessionUnbilledData
    | SubjectErasedData
)

WEBHOOKS: dict[str, type[EventData]] = {
    "cost_sheet.needs_debtor": CostSheetNeedsDebtorData,
    "invoice.issued": InvoiceIssuedData,
    "invoice.paid": InvoicePaidData,
    "invoice.credited": InvoiceCreditedData,
    "invoice.not_issued": InvoiceNotIssuedData,
    "session.unbilled": SessionUnbilledData,
    "subject.erased": SubjectErasedData,
}

emit = Emitter(SCHEMA, WEBHOOKS)
