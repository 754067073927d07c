"""Invoices: drafts from a cost sheet, numbers, the lifecycle and who may see what. Pure.

::

    draft ──issue──▶ issued ──pay──▶ paid
                       │               │
                       └──credit──▶ credited ◀──credit──┘

Issuing gives the number (``PREFIX-YEAR-NNNNN``, gapless per prefix and year); from
then on the invoice never changes, only its payment and crediting are recorded.
A credit note credits an invoice in full: the same lines, negated, with its own
number, referencing the original's number and date.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

import msgspec

from services.kit.errors import Conflict, Forbidden

from ..costs import rules as costs
from ..costs.schemas import CostLine, CostSheet, LineReconciliation, Reconciliation
from ..debtors.schemas import Debtor
from ..principal import Principal
from ..profiles.schemas import BillingProfile
from .schemas import Invoice, InvoiceStatus, Seller


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A draft invoice as written to the database."""

    position: int
    person_id: uuid.UUID
    participant_name: str
    buyer: Debtor
    lines: list[CostLine]
    btw_rate_percent: int
    subtotal_cents: int
    btw_cents: int
    total_cents: int


def seller(profile: BillingProfile) -> Seller:
    return Seller(
        legal_name=profile.legal_name,
        street=profile.street,
        postal_code=profile.postal_code,
        city=profile.city,
        country_code=profile.country_code,
        kvk_number=profile.kvk_number,
        btw_id=profile.btw_id,
        iban=profile.iban,
        bic=profile.bic,
        btw_mode=profile.btw_mode,
        exemption_text=profile.exemption_text,
        invoice_prefix=profile.invoice_prefix,
        payment_term_days=profile.payment_term_days,
    )


def rate_percent(profile: BillingProfile) -> int:
    return costs.STANDARD_RATE_PERCENT if profile.btw_mode == "standard" else 0


def drafts(sheet: CostSheet, *, btw_rate_percent: int) -> list[Draft]:
    """One draft per sharing participant: their equal share, a line per cost type, BTW."""
    sharing = costs.sharers(sheet.participants, sheet.sharing)
    rows = costs.split_lines([line.amount_cents for line in sheet.lines], len(sharing))
    result: list[Draft] = []
    count = len(sharing)
    for position, (participant, row) in enumerate(zip(sharing, rows, strict=True)):
        lines = [
            CostLine(
                kind=line.kind,
                description=f"{line.description} (aandeel 1/{count})",
                amount_cents=amount,
            )
            for line, amount in zip(sheet.lines, row, strict=True)
            if amount > 0
        ]
        subtotal = sum(row)
        btw = costs.btw_amount(subtotal, btw_rate_percent)
        result.append(
            Draft(
                position=position,
                person_id=participant.person_id,
                participant_name=participant.name,
                buyer=participant.debtor,
                lines=lines,
                btw_rate_percent=btw_rate_percent,
                subtotal_cents=subtotal,
                btw_cents=btw,
                total_cents=subtotal + btw,
            )
        )
    return result


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


def may_write(principal: Principal, facilitator_id: uuid.UUID) -> bool:
    """An admin writes every invoice of the tenant; a facilitator those of their own sessions."""
    if principal.has("admin"):
        return True
    return principal.has("facilitator") and principal.person == facilitator_id


def check_may_write(principal: Principal, facilitator_id: uuid.UUID) -> None:
    if not may_write(principal, facilitator_id):
        raise Forbidden("A facilitator may only bill their own sessions.")


def may_read(principal: Principal, invoice: Invoice) -> bool:
    """The facilitator's, and the participant's own (once it is issued)."""
    if may_write(principal, invoice.facilitator_id):
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
    nobody = uuid.UUID(int=0)
    if principal.has("facilitator"):
        return principal.person or nobody, None
    return None, principal.person or nobody


def reconcile(sheet: CostSheet, invoices: Sequence[Invoice]) -> Reconciliation:
    """The cost sheet against its invoices: every cent of the split accounted for."""
    originals = [invoice for invoice in invoices if invoice.kind == "invoice"]
    credit_notes = [invoice for invoice in invoices if invoice.kind == "credit_note"]
    invoiced = sum(invoice.subtotal_cents for invoice in originals)
    by_kind: dict[str, int] = {}
    for invoice in originals:
        for line in invoice.lines:
            by_kind[line.kind] = by_kind.get(line.kind, 0) + line.amount_cents
    by_status: dict[str, int] = {}
    for invoice in invoices:
        key = invoice.status if invoice.kind == "invoice" else "credit_note"
        by_status[key] = by_status.get(key, 0) + 1
    return Reconciliation(
        cost_sheet_id=sheet.id,
        total_cents=sheet.total_cents,
        sharers=len(costs.sharers(sheet.participants, sheet.sharing)),
        invoices=len(originals),
        invoiced_cents=invoiced,
        credited_cents=sum(note.subtotal_cents for note in credit_notes),
        difference_cents=sheet.total_cents - invoiced,
        btw_cents=sum(invoice.btw_cents for invoice in invoices),
        lines=[
            LineReconciliation(
                kind=line.kind,
                amount_cents=line.amount_cents,
                invoiced_cents=by_kind.get(line.kind, 0),
            )
            for line in sheet.lines
        ],
        by_status=by_status,
    )
