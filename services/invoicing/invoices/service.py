"""Invoices' use cases, on the caller's connection: rules from ``rules.py``, SQL from
``repository.py``.

The first group answers the HTTP API for a principal. The second serves the cost sheets
and the events of the caller's tenant: drafts made from a cost sheet, issued at once, or
credited when the session is cancelled. Whichever way an invoice is issued, paid or
credited, its event (``events.py``) is written in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import NamedTuple

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, page_of

from ..principal import Principal
from ..profiles import service as profiles
from ..profiles.schemas import BillingProfile
from . import events, repository, rules
from .schemas import Invoice, InvoicePage, InvoiceStatus


async def _readable(
    conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID, *, lock: bool = False
) -> Invoice:
    invoice = await repository.get(conn, principal.org_id, invoice_id, lock=lock)
    if not rules.may_read(principal, invoice):
        raise NotFound(f"No invoice {invoice_id}.")
    return invoice


async def _writable(
    conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID
) -> Invoice:
    """The invoice, its row locked for this transaction, if the caller may write it."""
    invoice = await _readable(conn, principal, invoice_id, lock=True)
    rules.check_may_write(principal, invoice)
    return invoice


async def get(conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    return await _readable(conn, principal, invoice_id)


async def page(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    cost_sheet_id: uuid.UUID | None,
    status: InvoiceStatus | None = None,
) -> InvoicePage:
    """A page of the invoices the caller may see, of one cost sheet or of all, of one status
    or of all."""
    narrowed = rules.reader_filter(principal)
    items = await repository.page(
        conn,
        principal.org_id,
        asked,
        cost_sheet_id=cost_sheet_id,
        facilitator_id=narrowed.facilitator_id,
        person_id=narrowed.person_id,
        employer_id=narrowed.employer_id,
        billed_to=narrowed.billed_to,
        status=status,
    )
    return page_of(InvoicePage, items, asked.limit)


async def issue(conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    invoice = await _writable(conn, principal, invoice_id)
    return await _issue(conn, principal.org_id, invoice)


async def pay(
    conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID, *, paid_on: date
) -> Invoice:
    invoice = await _writable(conn, principal, invoice_id)
    rules.check_payable(invoice)
    paid = await repository.mark_paid(conn, principal.org_id, invoice.id, paid_on=paid_on)
    await events.emit(conn, principal.org_id, events.paid(paid))
    return paid


async def credit(conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    """The credit note of the invoice, issued."""
    original = await _writable(conn, principal, invoice_id)
    return await _credit(conn, principal.org_id, original)


async def with_documents(
    conn: asyncpg.Connection, principal: Principal, invoice_id: uuid.UUID
) -> Invoice:
    """The invoice, when it has documents (a PDF, an e-invoice): a draft has none yet."""
    invoice = await _readable(conn, principal, invoice_id)
    rules.check_has_documents(invoice)
    return invoice


async def draft(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    drafts: Sequence[rules.Draft],
    *,
    profile: BillingProfile,
) -> list[uuid.UUID]:
    """Store a cost sheet's drafts, billed by the facilitator of ``profile``; their ids. A
    draft whose debtor is missing or incomplete is held (``needs_debtor``) with its reasons."""
    return await repository.insert_drafts(conn, org_id, drafts, seller=rules.seller(profile))


async def issue_drafts(
    conn: asyncpg.Connection, org_id: uuid.UUID, draft_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Issue drafts in the order given, so their numbers follow it; the ids issued. A held
    draft (``needs_debtor``) is left held: its debtor completes it later (``complete``). A
    draft something else refuses stays a draft, announced with why (``invoice.not_issued``)."""
    issued = []
    for draft_id in draft_ids:
        invoice = await repository.get(conn, org_id, draft_id, lock=True)
        if rules.issuable(invoice):
            issued.append((await _issue(conn, org_id, invoice)).id)
        elif invoice.status == "draft":
            await events.emit(conn, org_id, events.not_issued(invoice, rules.refusals(invoice)))
    return issued


async def held(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_ids: Sequence[uuid.UUID] = (),
    client_organisation_ids: Sequence[uuid.UUID] = (),
) -> list[rules.Held]:
    """The drafts held for a debtor that these people, or their employers, pay; locked."""
    return await repository.held(
        conn, org_id, person_ids=person_ids, client_organisation_ids=client_organisation_ids
    )


async def complete(
    conn: asyncpg.Connection, org_id: uuid.UUID, buyers: Mapping[uuid.UUID, rules.Buyer | None]
) -> list[uuid.UUID]:
    """Give held drafts their debtors as resolved now, and who they are (``buyers``, by id).

    Each is re-snapshotted; one whose debtor lacks nothing more becomes a draft, and is
    issued at once where its facilitator's profile has ``auto_issue``, in sheet order, so
    the numbers follow it. The others stay held with what they still lack. Returns the ids
    of the drafts released, in sheet order.
    """
    released = await repository.complete(conn, org_id, rules.completions(buyers))
    await issue_drafts(conn, org_id, [draft.id for draft in released if draft.auto_issue])
    return [draft.id for draft in released]


class Undone(NamedTuple):
    credit_notes: list[uuid.UUID]
    discarded: list[uuid.UUID]


async def undo_cost_sheet(
    conn: asyncpg.Connection, org_id: uuid.UUID, cost_sheet_id: uuid.UUID
) -> Undone:
    """Undo a cost sheet's billing: credit what was issued or paid, discard the drafts."""
    notes: list[uuid.UUID] = []
    for invoice in await repository.of_cost_sheet(conn, org_id, cost_sheet_id, lock=True):
        if invoice.kind == "invoice" and invoice.status in ("issued", "paid"):
            notes.append((await _credit(conn, org_id, invoice)).id)
    discarded = await repository.delete_drafts(conn, org_id, cost_sheet_id)
    return Undone(credit_notes=notes, discarded=discarded)


async def _number(conn: asyncpg.Connection, org_id: uuid.UUID, invoice: Invoice) -> rules.Numbered:
    """The next number of the supplier's series (its KvK number and this year, across tenants
    and prefixes) under the invoice's prefix, today's date and the due date."""
    issued = datetime.now(rules.AMSTERDAM).date()
    seller = invoice.seller
    prefix = await profiles.series_prefix(conn, org_id, seller.invoice_prefix, seller.kvk_number)
    sequence = await repository.next_number(conn, seller.kvk_number, issued.year)
    due = rules.due_date(issued, seller.payment_term_days)
    return rules.Numbered(rules.number(prefix, issued.year, sequence), issued, due)


async def _issue(conn: asyncpg.Connection, org_id: uuid.UUID, invoice: Invoice) -> Invoice:
    """Issue a draft locked by the caller (``FOR UPDATE``): the next number of its series."""
    rules.check_issuable(invoice)
    numbered = await _number(conn, org_id, invoice)
    issued = await repository.mark_issued(conn, org_id, invoice.id, numbered)
    await events.emit(conn, org_id, events.issued(issued))
    return issued


async def _credit(conn: asyncpg.Connection, org_id: uuid.UUID, original: Invoice) -> Invoice:
    """Credit an issued or paid invoice locked by the caller: the credit note, issued."""
    rules.check_creditable(original)
    numbered = await _number(conn, org_id, original)
    note = await repository.insert_credit_note(
        conn, org_id, original, lines=rules.negated(original.lines), numbered=numbered
    )
    await repository.mark_credited(conn, org_id, original.id)
    await events.emit(conn, org_id, events.credited(original, note))
    return note
