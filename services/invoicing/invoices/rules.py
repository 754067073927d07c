"""Invoices: numbers, dates, the lifecycle and who may see what. Pure.

::

    needs_debtor ──debtor completed──▶ draft ──issue──▶ issued ──pay──▶ paid
                                                       │               │
                                                       └──credit──▶ credited ◀──credit──┘

A draft whose debtor is missing or incomplete (``debtors.rules.missing``) is held in
``needs_debtor`` with its reasons (``needs``); issuing it is refused with them. It becomes a
draft when the billing relations complete its debtor (``relations``).

Issuing gives the number (``PREFIX-YEAR-NNNNN``: the invoice's prefix, and the next of its
supplier's series, one per KvK number and year, gapless across prefixes and tenants) and the
date in Europe/Amsterdam; from then on the invoice never changes, only its payment and
crediting are recorded. A credit note credits an invoice in full: the same lines,
negated, with its own number, referencing the original's number and date. Drafts are
split from a cost sheet (``costs/rules.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from services.kit.errors import Conflict, FieldError, Forbidden, RuleViolation

from ..debtors.rules import MISSING_RULES, NOBODY, OIN_SCHEME, missing
from ..debtors.schemas import Debtor
from ..principal import Principal
from ..profiles.rules import may_access
from ..profiles.schemas import BillingProfile
from .schemas import BilledTo, CostLine, Invoice, InvoiceStatus, Seller

UNISSUED: Final[tuple[InvoiceStatus, ...]] = ("draft", "needs_debtor")

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")
ISSUE_RULES: Final = (*MISSING_RULES, "supplier_email_required")
"""The rules of :func:`refusals`: a draft that may not be issued yet (a 422)."""


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A draft invoice as written to the database: one participant's share of a cost sheet."""

    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    description: str
    supply_date: date
    position: int
    person_id: uuid.UUID
    participant_name: str
    client_organisation_id: uuid.UUID | None
    buyer: Debtor | None
    billed_to: BilledTo | None
    lines: list[CostLine]
    btw_rate_percent: int
    subtotal_cents: int
    btw_cents: int
    total_cents: int

    @property
    def needs(self) -> list[FieldError]:
        """Why the draft is held (``needs_debtor``); empty: it is a plain draft."""
        return missing(self.buyer)


class Buyer(NamedTuple):
    """Whom an invoice is addressed to, as it states them, and who that is (``billed_to``)."""

    debtor: Debtor
    billed_to: BilledTo


class Held(NamedTuple):
    """A held draft, and what its debtor is resolved from: the person and their employer."""

    id: uuid.UUID
    person_id: uuid.UUID
    client_organisation_id: uuid.UUID | None


class Completion(NamedTuple):
    """A held draft's debtor as resolved now, and what it still lacks (empty: none)."""

    id: uuid.UUID
    buyer: Debtor | None
    billed_to: BilledTo | None
    needs: list[FieldError]


class Released(NamedTuple):
    """A held draft made a draft, and whether its facilitator's profile issues at once."""

    id: uuid.UUID
    auto_issue: bool


def completions(buyers: Mapping[uuid.UUID, Buyer | None]) -> list[Completion]:
    """Each held draft with its debtor as resolved now, who that is, and what it still lacks."""
    return [
        Completion(draft_id, None, None, missing(None))
        if buyer is None
        else Completion(draft_id, buyer.debtor, buyer.billed_to, missing(buyer.debtor))
        for draft_id, buyer in buyers.items()
    ]


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


def refusals(invoice: Invoice) -> list[FieldError]:
    """Why a draft cannot be issued yet: what its debtor lacks (a held draft keeps its reasons),
    else what its buyer needs of the supplier that the billing profile lacks (a government
    buyer, OIN, Peppol scheme 0190, accepts only e-invoices with the supplier's contact e-mail:
    Basisfactuur Rijk 2.8). Empty: it may be issued."""
    if debtor := missing(invoice.buyer) or list(invoice.needs):
        return debtor
    buyer = invoice.buyer
    if buyer is not None and buyer.peppol_scheme == OIN_SCHEME and not invoice.seller.email:
        return [
            FieldError(
                field="seller.email",
                rule="supplier_email_required",
                message="the Basisfactuur Rijk requires the supplier's e-mail: set `email` in "
                "the facilitator's billing profile, then revise the cost sheet",
            )
        ]
    return []


def check_issuable(invoice: Invoice) -> None:
    """Only a draft is issued (409 otherwise), and only when nothing refuses it
    (:func:`refusals`): a 422 naming each missing field and rule."""
    if invoice.status not in UNISSUED:
        raise Conflict(f"Invoice {invoice.number} is already {invoice.status}.")
    if found := refusals(invoice):
        raise RuleViolation(
            "The invoice cannot be issued yet: "
            + "; ".join(f"{e.field}: {e.message}" for e in found),
            errors=found,
        )


def issuable(invoice: Invoice) -> bool:
    """What issuing at once (``auto_issue``) issues: a plain draft nothing refuses."""
    return invoice.status == "draft" and not refusals(invoice)


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
    if invoice.status in UNISSUED:
        raise Conflict("A draft has no number yet: issue it before it is sent.")


def check_may_write(principal: Principal, invoice: Invoice) -> None:
    """An admin writes every invoice of the tenant; a facilitator those of their own sessions."""
    if not may_access(principal, invoice.facilitator_id):
        raise Forbidden("A facilitator may only bill their own sessions.")


def may_read(principal: Principal, invoice: Invoice) -> bool:
    """The facilitator's; once it is issued, the participant's own, and the HR client's of
    the participant's employer when it bills that employer (ADR 0082, 0097): an invoice the
    person pays themselves is none of the employer's business."""
    if may_access(principal, invoice.facilitator_id):
        return True
    if invoice.status in UNISSUED:
        return False
    own = principal.has("participant") and principal.person == invoice.person_id
    return own or (principal.has("hr") and bills_employer(invoice, principal.client_org))


def bills_employer(invoice: Invoice, client_org: uuid.UUID | None) -> bool:
    """Whether the invoice (or credit note) bills ``client_org``, its participant's employer."""
    return (
        client_org is not None
        and invoice.client_organisation_id == client_org
        and invoice.billed_to == "employer"
    )


class ReaderFilter(NamedTuple):
    """What a list of invoices is narrowed to; ``None`` means not narrowed by it."""

    facilitator_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    billed_to: BilledTo | None = None


def reader_filter(principal: Principal) -> ReaderFilter:
    """An admin's list is the tenant's; a facilitator's their sessions'; an HR client's the
    issued invoices of its organisation's employees that bill the organisation
    (:func:`bills_employer`); anyone else's their own issued ones."""
    if principal.has("admin"):
        return ReaderFilter()
    if principal.has("hr"):
        return ReaderFilter(employer_id=principal.client_org or NOBODY, billed_to="employer")
    if principal.has("facilitator"):
        return ReaderFilter(facilitator_id=principal.person or NOBODY)
    return ReaderFilter(person_id=principal.person or NOBODY)
