from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.db import Conn
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor

from ..principal import Principal
from . import pdf, service, ubl
from .schemas import Invoice, InvoicePage, PaymentIn

Me = NamedDependency[Principal]
InvoiceId = FromPath[uuid.UUID]

READERS = (requires("admin", "facilitator", "participant"),)
WRITERS = (requires("admin", "facilitator"),)

PDF = "application/pdf"
XML = "application/xml"


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

    @get("/", operation_id="listInvoices", guards=READERS, responses=problems())
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        cost_sheet_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> InvoicePage:
        """Invoices and credit notes in creation order, a page at a time.

        A facilitator sees those of their own sessions, a participant their own issued ones.
        """
        return await service.page(
            conn, principal, cost_sheet_id=cost_sheet_id, after=decode_cursor(cursor), limit=limit
        )

    @get("/{invoice_id:uuid}", operation_id="getInvoice", guards=READERS, responses=problems())
    async def get_one(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """One invoice or credit note."""
        return await service.get(conn, principal, invoice_id)

    @post(
        "/{invoice_id:uuid}/issue",
        operation_id="issueInvoice",
        guards=WRITERS,
        status_code=HTTP_200_OK,
        responses=problems(409),
    )
    async def issue(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """Issue a draft: it takes the next number of its series (prefix and year, gapless)
        and today's date in Europe/Amsterdam, and never changes again. Issuing twice is a 409."""
        return await service.issue(conn, principal, invoice_id)

    @post(
        "/{invoice_id:uuid}/payment",
        operation_id="recordInvoicePayment",
        guards=WRITERS,
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415),
    )
    async def pay(
        self, conn: Conn, principal: Me, invoice_id: InvoiceId, data: JSONBody[PaymentIn]
    ) -> Invoice:
        """Record that an issued invoice is paid."""
        return await service.pay(conn, principal, invoice_id, paid_on=data.paid_on)

    @post(
        "/{invoice_id:uuid}/credit-note",
        operation_id="creditInvoice",
        guards=WRITERS,
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(Invoice, description="The credit note, issued."),
            **problems(409),
        },
    )
    async def credit(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """Credit an issued or paid invoice in full: a credit note with its own number that
        references the original's number and date. The original becomes `credited`."""
        return await service.credit(conn, principal, invoice_id)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
        guards=READERS,
        media_type=PDF,
        responses=_DOCUMENT_PROBLEMS,
    )
    async def get_pdf(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Response[bytes]:
        """The invoice or credit note as a PDF in Dutch, with every field the
        Belastingdienst requires. A draft has none yet (409)."""
        invoice = await service.with_documents(conn, principal, invoice_id)
        return _document(pdf.render(invoice), PDF, f"{invoice.number}.pdf")

    @get(
        "/{invoice_id:uuid}/ubl",
        operation_id="getInvoiceUbl",
        guards=READERS,
        media_type=XML,
        responses=_DOCUMENT_PROBLEMS,
    )
    async def get_ubl(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Response[bytes]:
        """The e-invoice: UBL 2.1 in the Peppol BIS Billing 3.0 profile with the Dutch
        (NLCIUS) rules; a credit note as a UBL CreditNote. A draft has none yet (409)."""
        invoice = await service.with_documents(conn, principal, invoice_id)
        return _document(ubl.render(invoice), XML, f"{invoice.number}.xml")
