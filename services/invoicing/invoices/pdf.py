"""The invoice as a PDF in Dutch, with every field the Belastingdienst requires.

Supplier and customer name and address, the supplier's btw-id and KvK number,
invoice number and date, date of supply, nature and extent of the service (a line
per cost type), the amount excluding BTW per rate, the rate and the BTW amount (or
the exemption), the total, and how and when to pay. A credit note names the
invoice it credits, by number and date, and says what becomes of its amount
(:func:`credit_terms`).
"""

from __future__ import annotations

from datetime import date

from services.kit.pdf import FONT, Page, printable

from ..debtors.schemas import Debtor
from .schemas import Invoice

LABEL_WIDTH = 140


def euros(cents: int) -> str:
    """Dutch notation: ``EUR 1.234,56``, ``EUR -12,34``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"EUR {sign}{whole:,}".replace(",", ".") + f",{part:02d}"


def dutch_date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def buyer_of(invoice: Invoice) -> Debtor:
    """The debtor of an issued invoice: only a held draft has none, and drafts have no
    documents."""
    if invoice.buyer is None:
        raise ValueError("only issued documents are rendered, and they have their debtor")
    return invoice.buyer


def credit_terms(note: Invoice) -> str:
    """What a credit note means for the buyer: the credited invoice's amount is refunded only
    when it had been paid; an unpaid one is simply no longer due."""
    amount = euros(-note.total_cents)
    if note.credits_paid_on is None:
        return (
            f"Met deze creditfactuur vervalt het openstaande bedrag van {amount} van factuur "
            f"{note.credits_number}: u hoeft niets te betalen."
        )
    return (
        f"Factuur {note.credits_number} is betaald op {dutch_date(note.credits_paid_on)}; "
        f"het betaalde bedrag van {amount} wordt aan u terugbetaald."
    )


class _Page(Page):
    def row(self, label: str, amount: str, *, bold: bool = False) -> None:
        """A label (wrapped when long) with its amount right-aligned on the first line."""
        self.pdf.set_font(FONT, style="B" if bold else "", size=10)
        if self.pdf.will_page_break(12):
            self.pdf.add_page()
        top = self.pdf.get_y()
        self.pdf.multi_cell(LABEL_WIDTH, 6, printable(label), new_x="LMARGIN", new_y="NEXT")
        bottom = self.pdf.get_y()
        self.pdf.set_xy(self.pdf.l_margin + LABEL_WIDTH, top)
        self.pdf.cell(0, 6, amount, align="R")
        self.pdf.set_xy(self.pdf.l_margin, bottom)


def _heading(page: _Page, invoice: Invoice) -> None:
    page.line("CREDITFACTUUR" if invoice.kind == "credit_note" else "FACTUUR", bold=True, size=16)


def _supplier(page: _Page, invoice: Invoice) -> None:
    seller = invoice.seller
    page.line(seller.legal_name, bold=True)
    page.line(seller.street)
    page.line(f"{seller.postal_code} {seller.city}")
    page.line(f"KvK-nummer: {seller.kvk_number}")
    page.line(f"Btw-nummer: {seller.btw_id}")
    if seller.email:
        page.line(f"E-mail: {seller.email}")


def _customer(page: _Page, invoice: Invoice) -> None:
    buyer = buyer_of(invoice)
    page.line("Aan:", bold=True)
    page.line(buyer.name)
    if buyer.name != invoice.participant_name:
        page.line(f"T.a.v. {invoice.participant_name}")
    for address in (buyer.street, f"{buyer.postal_code} {buyer.city}"):
        if address.strip():  # a private participant billed from an event may have no address
            page.line(address)
    if buyer.country_code != "NL":
        page.line(buyer.country_code)
    if buyer.vat_id:
        page.line(f"Btw-nummer afnemer: {buyer.vat_id}")
    if buyer.buyer_reference:
        page.line(f"Uw referentie: {buyer.buyer_reference}")


def _particulars(page: _Page, invoice: Invoice) -> None:
    """Number and dates, the invoice a credit note credits, and what was supplied."""
    assert invoice.issue_date is not None
    credit = invoice.kind == "credit_note"
    page.line(f"{'Creditfactuurnummer' if credit else 'Factuurnummer'}: {invoice.number}")
    page.line(f"Factuurdatum: {dutch_date(invoice.issue_date)}")
    page.line(f"Leverdatum: {dutch_date(invoice.supply_date)}")
    if credit and invoice.credits_number and invoice.credits_issue_date:
        page.line(
            f"Creditering van factuur {invoice.credits_number} "
            f"van {dutch_date(invoice.credits_issue_date)}"
        )
    page.line(f"Omschrijving: {invoice.description} op {dutch_date(invoice.supply_date)}")
    page.line(f"Deelnemer: {invoice.participant_name}")


def _lines(page: _Page, invoice: Invoice) -> None:
    page.row("Omschrijving", "Bedrag excl. btw", bold=True)
    for line in invoice.lines:
        page.row(line.description, euros(line.amount_cents))


def _totals(page: _Page, invoice: Invoice) -> None:
    """The amount excluding BTW, the rate and the BTW (or the exemption), the total."""
    if invoice.seller.btw_mode == "exempt":
        page.row("Totaal vrijgesteld van btw", euros(invoice.subtotal_cents))
        page.row("Btw 0% (vrijgesteld)", euros(invoice.btw_cents))
        page.line(invoice.seller.exemption_text or "")
    else:
        page.row(
            f"Totaal excl. btw (btw {invoice.btw_rate_percent}%)", euros(invoice.subtotal_cents)
        )
        page.row(
            f"Btw {invoice.btw_rate_percent}% over {euros(invoice.subtotal_cents)}",
            euros(invoice.btw_cents),
        )
    page.row("Totaal incl. btw", euros(invoice.total_cents), bold=True)


def _payment(page: _Page, invoice: Invoice) -> None:
    """How and when to pay; for a credit note, what becomes of the credited amount."""
    assert invoice.due_date is not None
    seller = invoice.seller
    if invoice.kind == "credit_note":
        page.line(credit_terms(invoice))
        return
    page.line(
        f"Graag betalen voor {dutch_date(invoice.due_date)} "
        f"({seller.payment_term_days} dagen) op IBAN {seller.iban}"
        + (f" (BIC {seller.bic})" if seller.bic else "")
        + f" ten name van {seller.legal_name}, onder vermelding van {invoice.number}."
    )


def render(invoice: Invoice) -> bytes:
    """The PDF of an issued invoice or credit note: its sections, a gap between each two."""
    if invoice.number is None or invoice.issue_date is None or invoice.due_date is None:
        raise ValueError("only issued documents have a PDF")
    page = _Page()
    page.pdf.set_title(invoice.number)
    for section in (_heading, _supplier, _customer, _particulars, _lines, _totals):
        section(page, invoice)
        page.gap()
    _payment(page, invoice)
    return page.output()
