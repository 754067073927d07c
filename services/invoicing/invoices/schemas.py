from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.kit.schemas import Inbound, Outbound

from ..debtors.schemas import Debtor
from ..profiles.schemas import BtwMode

InvoiceKind = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["draft", "issued", "paid", "credited"]
CostKind = Literal[
    "facilitation", "preparation", "travel_time", "travel_costs", "location", "other"
]


class CostLine(Outbound, frozen=True):  # of a cost sheet, and of each invoice split from it
    kind: CostKind
    description: str
    amount_cents: int


class Seller(Outbound, frozen=True):
    """The facilitator as billed: a snapshot of their billing profile when the draft was made."""

    legal_name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    kvk_number: str
    btw_id: str
    iban: str
    bic: str | None
    btw_mode: BtwMode
    exemption_text: str | None
    invoice_prefix: str
    """The series the invoice is numbered in."""
    payment_term_days: int


class Invoice(Outbound, frozen=True):
    """One participant's invoice, or a credit note. Amounts are euro cents.

    A credit note's amounts are negative; it names the invoice it credits.
    """

    id: uuid.UUID
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    issue_date: date | None
    due_date: date | None
    paid_on: date | None
    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    person_id: uuid.UUID
    participant_name: str
    description: str
    supply_date: date
    seller: Seller
    buyer: Debtor
    lines: list[CostLine]
    btw_rate_percent: int
    subtotal_cents: int
    btw_cents: int
    total_cents: int
    credits_id: uuid.UUID | None
    credits_number: str | None
    credits_issue_date: date | None
    created_at: datetime


class InvoicePage(Outbound, frozen=True):
    items: list[Invoice]
    next_cursor: str | None


class PaymentIn(Inbound, frozen=True):
    paid_on: date
    """The date the payment was received."""
