"""Invoices: numbers, dates, the lifecycle and who may see what. Pure.

::

    draft ──issue──▶ issued ──pay──▶ paid
                       │               │
                       └──credit──▶ credited ◀──credit──┘

Issuing gives the number (``PREFIX-YEAR-NNNNN``, gapless per prefix and year) and the
date in Europe/Amsterdam; from then on the invoice never changes, only its payment and
crediting are recorded. A credit note credits an invoice in full: the same lines,
negated, with its own number, referencing the original's number and date. Drafts are
split from a cost sheet (``costs/rules.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from services.kit.errors import Conflict, Forbidden

from ..debtors.schemas import Debtor
from ..principal import Principal
from ..profiles.rules import may_access
from ..profiles.schemas import BillingProfile
from .schemas import CostLine, Invoice, InvoiceStatus, Seller

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")
NOBODY: Final = uuid.UUID(int=0)


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A draft invoice as written to the database: one participant's share of a cost sheet."""

    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    description: str
    supply_date: date
    position: int
    person_id: uuid.UUID
    participant_name: str
    buyer: Debtor
    lines: list[CostLine]
    btw_rate_percent: int
    subtotal_cents: int
    btw_cents: int
    total_cents: int


class Numbered(NamedTuple):
    """What issuing gives an invoice or a credit note: its number, its date and its due date."""

    number: str
    issue_date: date
    due_date: date


def seller(profile: BillingProfile) -> Seller:
    """The facilitator as their invoices state them: a snapshot of the billing profile."""
    return Seller(**{name: getattr(profile, name) for name in Seller.__struct_fields__})


def number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:05d}"


def due_date(issue_date: date, payment_term_days: int) -> date:
    return issue_date + timedelta(days=payment_term_days)


def negated(lines: Sequence[CostLine]) -> list[CostLine]:
    return [msgspec.structs.replace(line, amount_cents=-line.amount_cents) for line in lines]


def check_issuable(invoice: Invoice) -> None:
    if invoice.status != "draft":
        raise Conflict(f"Invoice {invoice.number} is already {invoice.status}.")


def check_payable(invoice: Invoice) -> None:
    if invoice.kind != "invoice" or invoice.status != "issued":
        raise Conflict(
            f"Only an issued invoice can be paid; this {invoice.kind} is {invoice.status}."
        )


def check_creditable(invoice: Invoice) -> None:
    allowed: tuple[InvoiceStatus, ...] = ("issued", "paid")
    if invoice.kind != "invoice" or invoice.status not in allowed:
        raise Conflict(
            f"Only an issued or paid invoice can be credited; this {invoice.kind} is "
            f"{invoice.status}."
        )


def check_has_documents(invoice: Invoice) -> None:
    if invoice.status == "draft":
        raise Conflict("A draft has no number yet: issue it before it is sent.")


def check_may_write(principal: Principal, invoice: Invoice) -> None:
    """An admin writes every invoice of the tenant; a facilitator those of their own sessions."""
    if not may_access(principal, invoice.facilitator_id):
        raise Forbidden("A facilitator may only bill their own sessions.")


def may_read(principal: Principal, invoice: Invoice) -> bool:
    """The facilitator's, and the participant's own (once it is issued)."""
    if may_access(principal, invoice.facilitator_id):
        return True
    return (
        principal.has("participant")
        and principal.person == invoice.person_id
        and invoice.status != "draft"
    )


def reader_filter(principal: Principal) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """``(facilitator_id, person_id)`` a list is narrowed to; ``None`` means not narrowed."""
    if principal.has("admin"):
        return None, None
    if principal.has("facilitator"):
        return principal.person or NOBODY, None
    return None, principal.person or NOBODY
