from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import action

from ..principal import Principal
from . import pdf, service, ubl
from .rules import ISSUE_RULES
from .schemas import Invoice, InvoicePage, InvoiceStatus, PaymentIn

Me = NamedDependency[Principal]
InvoiceId = FromPath[uuid.UUID]


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

    @get(
        "/",
        operation_id="listInvoices",
        opt=links(
            *(
                link(target, invoice_id="items/0/id")
                for target in ("getInvoice", "getInvoicePdf", "getInvoiceUbl")
            )
        ),
        responses=problems(),
    )
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        cost_sheet_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[InvoiceStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> InvoicePage:
        """Invoices and credit notes in creation order, a page at a time; `status` narrows
        them (`needs_debtor`: the drafts waiting for a debtor, each with its `needs`).

        A facilitator sees those of their own sessions, a participant their own issued ones,
        an HR client the issued ones of its client organisation's employees.
        """
        return await service.page(
            conn, principal, keyset(cursor, limit), cost_sheet_id=cost_sheet_id, status=status
        )

    @get("/{invoice_id:uuid}", operation_id="getInvoice", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """One invoice or credit note."""
        return await service.get(conn, principal, invoice_id)

    @action(
        "/{invoice_id:uuid}/issue",
        operation_id="issueInvoice",
        opt=links(
            *(
                link(target, invoice_id="$request.path.invoice_id")
                for target in ("creditInvoice", "recordInvoicePayment", "getInvoicePdf")
            )
        ),
        errors=(409,),
        rules=ISSUE_RULES,
    )
    async def issue(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """Issue a draft: it takes the next number of its supplier's series (one per KvK
        number and year, gapless across prefixes and organisations) under its prefix, and
        today's date in Europe/Amsterdam; its number, lines and amounts never change again
        (its payment and its crediting are recorded, as its status). Issuing twice is a 409.
        A draft whose prefix has since gone to another supplier of the organisation is
        numbered under the prefix its own supplier took last; with none, a 409 with rule
        `prefix_of_another_supplier`.
        An invoice to a government buyer (OIN) needs the supplier's contact e-mail in its
        billing profile (`seller.email`, rule `supplier_email_required`): 422 otherwise."""
        return await service.issue(conn, principal, invoice_id)

    @action(
        "/{invoice_id:uuid}/payment",
        operation_id="recordInvoicePayment",
        errors=(409, 413, 415),
    )
    async def pay(
        self, conn: Conn, principal: Me, invoice_id: InvoiceId, data: JSONBody[PaymentIn]
    ) -> Invoice:
        """Record that an issued invoice is paid."""
        return await service.pay(conn, principal, invoice_id, paid_on=data.paid_on)

    @post(
        "/{invoice_id:uuid}/credit-note",
        operation_id="creditInvoice",
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_201_CREATED: ResponseSpec(Invoice, description="The credit note, issued."),
            **problems(409),
        },
    )
    async def credit(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Invoice:
        """Credit an issued or paid invoice in full: a credit note with its own number (the
        next of the supplier's series, as for issuing) that references the original's number
        and date. The original becomes `credited`."""
        return await service.credit(conn, principal, invoice_id)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
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
        media_type=XML,
        responses=_DOCUMENT_PROBLEMS,
    )
    async def get_ubl(self, conn: Conn, principal: Me, invoice_id: InvoiceId) -> Response[bytes]:
        """The e-invoice: UBL 2.1 in the Peppol BIS Billing 3.0 profile with the Dutch
        (NLCIUS) rules; a credit note as a UBL CreditNote. A draft has none yet (409)."""
        invoice = await service.with_documents(conn, principal, invoice_id)
        return _document(ubl.render(invoice), XML, f"{invoice.number}.xml")
