from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import NamedTuple

import asyncpg
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.errors import NotFound
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..costs.rules import AMSTERDAM
from ..principal import Principal
from . import pdf, repository, rules, ubl
from .schemas import Invoice, InvoicePage, PaymentIn

PDF = "application/pdf"
XML = "application/xml"


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
    rules.check_may_write(principal, invoice.facilitator_id)
    return invoice


class _Numbered(NamedTuple):
    number: str
    issue_date: date
    due_date: date


async def _number(conn: asyncpg.Connection, org_id: uuid.UUID, invoice: Invoice) -> _Numbered:
    """The next number of the invoice's series, today's date and the due date."""
    issued = datetime.now(AMSTERDAM).date()
    prefix = invoice.seller.invoice_prefix
    sequence = await repository.next_number(conn, org_id, prefix, issued.year)
    due = rules.due_date(issued, invoice.seller.payment_term_days)
    return _Numbered(rules.number(prefix, issued.year, sequence), issued, due)


async def issue_draft(conn: asyncpg.Connection, org_id: uuid.UUID, invoice: Invoice) -> Invoice:
    """Issue a draft locked by the caller (``FOR UPDATE``): the next number of its series."""
    rules.check_issuable(invoice)
    numbered = await _number(conn, org_id, invoice)
    return await repository.mark_issued(
        conn,
        org_id,
        invoice.id,
        number=numbered.number,
        issue_date=numbered.issue_date,
        due_date=numbered.due_date,
    )


async def credit_in_full(conn: asyncpg.Connection, org_id: uuid.UUID, original: Invoice) -> Invoice:
    """Credit an issued or paid invoice locked by the caller: the credit note, issued."""
    rules.check_creditable(original)
    numbered = await _number(conn, org_id, original)
    note = await repository.insert_credit_note(
        conn,
        org_id,
        original,
        lines=rules.negated(original.lines),
        number=numbered.number,
        issue_date=numbered.issue_date,
        due_date=numbered.due_date,
    )
    await repository.mark_credited(conn, org_id, original.id)
    return note


def _document(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


_DOCUMENT_PROBLEMS = problems(409)


class InvoiceController(Controller):
    path = "/v1/invoices"
    tags = ("invoices",)

    @get(
        "/",
        operation_id="listInvoices",
        guards=[requires("admin", "facilitator", "participant")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cost_sheet_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> InvoicePage:
        """Invoices and credit notes in creation order, a page at a time.

        A facilitator sees those of their own sessions, a participant their own issued ones.
        """
        facilitator_id, person_id = rules.reader_filter(principal)
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            cost_sheet_id=cost_sheet_id,
            facilitator_id=facilitator_id,
            person_id=person_id,
        )
        return InvoicePage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )

    @get(
        "/{invoice_id:uuid}",
        operation_id="getInvoice",
        guards=[requires("admin", "facilitator", "participant")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
    ) -> Invoice:
        """One invoice or credit note."""
        return await _readable(conn, principal, invoice_id)

    @post(
        "/{invoice_id:uuid}/issue",
        operation_id="issueInvoice",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=problems(409),
    )
    async def issue(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
    ) -> Invoice:
        """Issue a draft: it takes the next number of its series (prefix and year, gapless)
        and today's date in Europe/Amsterdam, and never changes again. Issuing twice is a 409."""
        invoice = await _writable(conn, principal, invoice_id)
        return await issue_draft(conn, principal.org_id, invoice)

    @post(
        "/{invoice_id:uuid}/payment",
        operation_id="recordInvoicePayment",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415),
    )
    async def pay(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
        data: JSONBody[PaymentIn],
    ) -> Invoice:
        """Record that an issued invoice is paid."""
        invoice = await _writable(conn, principal, invoice_id)
        rules.check_payable(invoice)
        return await repository.mark_paid(conn, principal.org_id, invoice.id, paid_on=data.paid_on)

    @post(
        "/{invoice_id:uuid}/credit-note",
        operation_id="creditInvoice",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(Invoice, description="The credit note, issued."),
            **problems(409),
        },
    )
    async def credit(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
    ) -> Invoice:
        """Credit an issued or paid invoice in full: a credit note with its own number that
        references the original's number and date. The original becomes `credited`."""
        original = await _writable(conn, principal, invoice_id)
        return await credit_in_full(conn, principal.org_id, original)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
        guards=[requires("admin", "facilitator", "participant")],
        media_type=PDF,
        responses=_DOCUMENT_PROBLEMS,
    )
    async def get_pdf(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The invoice or credit note as a PDF in Dutch, with every field the
        Belastingdienst requires. A draft has none yet (409)."""
        invoice = await _readable(conn, principal, invoice_id)
        rules.check_has_documents(invoice)
        return _document(pdf.render(invoice), PDF, f"{invoice.number}.pdf")

    @get(
        "/{invoice_id:uuid}/ubl",
        operation_id="getInvoiceUbl",
        guards=[requires("admin", "facilitator", "participant")],
        media_type=XML,
        responses=_DOCUMENT_PROBLEMS,
    )
    async def get_ubl(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        invoice_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The e-invoice: UBL 2.1 in the Peppol BIS Billing 3.0 profile with the Dutch
        (NLCIUS) rules; a credit note as a UBL CreditNote. A draft has none yet (409)."""
        invoice = await _readable(conn, principal, invoice_id)
        rules.check_has_documents(invoice)
        return _document(ubl.render(invoice), XML, f"{invoice.number}.xml")
