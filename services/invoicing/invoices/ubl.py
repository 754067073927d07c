"""The e-invoice: UBL 2.1 in the Peppol BIS Billing 3.0 profile, with the Dutch rules (NLCIUS).

- the seller's endpoint and legal entity are its KvK number (scheme 0106), its contact
  e-mail the profile's;
- the buyer's endpoint is its Peppol id when known (0106 KvK, 0190 OIN for Dutch
  government, …), its legal entity its KvK number or OIN;
- payment means 58 (SEPA credit transfer) to the seller's IBAN;
- one TaxTotal: category S at 21%, or E (exempt) with the exemption reason;
- a credit note is a UBL ``CreditNote`` whose ``BillingReference`` names the
  original invoice's number and date, and whose payment terms say whether the amount
  is refunded or simply no longer due. UBL amounts of a credit note are positive:
  the document type says it is a credit.

A government buyer (OIN) gets what the Basisfactuur Rijk adds: its OIN as the legal
entity (0190, even when a KvK number is known), the debtor's reference as the order
number (``OrderReference``, besides ``BuyerReference``), and the supplier's contact
e-mail (issuing refuses a supplier without one: ``rules.refusals``).
"""

from __future__ import annotations

import re

from lxml import etree

from ..debtors.rules import OIN_SCHEME
from ..debtors.schemas import Debtor
from .pdf import buyer_of, credit_terms
from .schemas import Invoice, Seller

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CURRENCY = "EUR"
KVK_SCHEME = "0106"
SEPA_CREDIT_TRANSFER = "58"
COMMERCIAL_INVOICE = "380"
CREDIT_NOTE = "381"
ONE = "C62"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids become ``?``."""
    return _NOT_XML.sub("?", text)


def _amount(cents: int) -> str:
    cents = abs(cents)
    return f"{cents // 100}.{cents % 100:02d}"


class _Builder:
    def __init__(self, root: etree._Element) -> None:
        self.root = root

    def cbc(self, parent: etree._Element, tag: str, text: str, /, **attributes: str) -> None:
        element = etree.SubElement(parent, f"{{{CBC}}}{tag}", attributes)
        element.text = xml_text(text)

    def cac(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def money(self, parent: etree._Element, name: str, cents: int) -> None:
        self.cbc(parent, name, _amount(cents), currencyID=CURRENCY)

    def address(self, party: etree._Element, of: Seller | Debtor) -> None:
        address = self.cac(party, "PostalAddress")
        # A private participant billed from an event may have no address: no empty elements.
        for tag, value in (
            ("StreetName", of.street),
            ("CityName", of.city),
            ("PostalZone", of.postal_code),
        ):
            if value.strip():
                self.cbc(address, tag, value)
        self.cbc(self.cac(address, "Country"), "IdentificationCode", of.country_code)

    def tax_category(self, parent: etree._Element, name: str, invoice: Invoice) -> None:
        category = self.cac(parent, name)
        exempt = invoice.seller.btw_mode == "exempt"
        self.cbc(category, "ID", "E" if exempt else "S")
        self.cbc(category, "Percent", str(invoice.btw_rate_percent))
        if exempt and name == "TaxCategory":
            self.cbc(category, "TaxExemptionReason", invoice.seller.exemption_text or "")
        self.cbc(self.cac(category, "TaxScheme"), "ID", "VAT")


def _supplier(b: _Builder, invoice: Invoice) -> None:
    seller = invoice.seller
    party = b.cac(b.cac(b.root, "AccountingSupplierParty"), "Party")
    b.cbc(party, "EndpointID", seller.kvk_number, schemeID=KVK_SCHEME)
    b.address(party, seller)
    tax = b.cac(party, "PartyTaxScheme")
    b.cbc(tax, "CompanyID", seller.btw_id)
    b.cbc(b.cac(tax, "TaxScheme"), "ID", "VAT")
    legal = b.cac(party, "PartyLegalEntity")
    b.cbc(legal, "RegistrationName", seller.legal_name)
    b.cbc(legal, "CompanyID", seller.kvk_number, schemeID=KVK_SCHEME)
    if seller.email:
        b.cbc(b.cac(party, "Contact"), "ElectronicMail", seller.email)


def _customer(b: _Builder, invoice: Invoice) -> None:
    buyer = buyer_of(invoice)
    party = b.cac(b.cac(b.root, "AccountingCustomerParty"), "Party")
    if buyer.peppol_scheme and buyer.peppol_id:
        b.cbc(party, "EndpointID", buyer.peppol_id, schemeID=buyer.peppol_scheme)
    b.address(party, buyer)
    if buyer.vat_id:
        tax = b.cac(party, "PartyTaxScheme")
        b.cbc(tax, "CompanyID", buyer.vat_id)
        b.cbc(b.cac(tax, "TaxScheme"), "ID", "VAT")
    legal = b.cac(party, "PartyLegalEntity")
    b.cbc(legal, "RegistrationName", buyer.name)
    if buyer.peppol_scheme == OIN_SCHEME and buyer.peppol_id:  # the Rijk: only the OIN
        b.cbc(legal, "CompanyID", buyer.peppol_id, schemeID=OIN_SCHEME)
    elif buyer.kvk_number:
        b.cbc(legal, "CompanyID", buyer.kvk_number, schemeID=KVK_SCHEME)


def _header(b: _Builder, invoice: Invoice, *, credit: bool) -> None:
    assert invoice.number and invoice.issue_date and invoice.due_date
    root = b.root
    b.cbc(root, "CustomizationID", CUSTOMIZATION)
    b.cbc(root, "ProfileID", PROFILE)
    b.cbc(root, "ID", invoice.number)
    b.cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if credit:
        b.cbc(root, "CreditNoteTypeCode", CREDIT_NOTE)
    else:
        b.cbc(root, "DueDate", invoice.due_date.isoformat())
        b.cbc(root, "InvoiceTypeCode", COMMERCIAL_INVOICE)
    b.cbc(
        root,
        "Note",
        f"{invoice.description} op {invoice.supply_date.isoformat()}, "
        f"deelnemer {invoice.participant_name}",
    )
    b.cbc(root, "DocumentCurrencyCode", CURRENCY)
    buyer = buyer_of(invoice)
    b.cbc(root, "BuyerReference", buyer.buyer_reference or invoice.participant_name)
    if buyer.buyer_reference and buyer.peppol_scheme == OIN_SCHEME:  # the Rijk's order number
        b.cbc(b.cac(root, "OrderReference"), "ID", buyer.buyer_reference)
    if credit and invoice.credits_number and invoice.credits_issue_date:
        reference = b.cac(b.cac(root, "BillingReference"), "InvoiceDocumentReference")
        b.cbc(reference, "ID", invoice.credits_number)
        b.cbc(reference, "IssueDate", invoice.credits_issue_date.isoformat())


def _payment(b: _Builder, invoice: Invoice) -> None:
    assert invoice.number
    means = b.cac(b.root, "PaymentMeans")
    b.cbc(means, "PaymentMeansCode", SEPA_CREDIT_TRANSFER, name="SEPA credit transfer")
    b.cbc(means, "PaymentID", invoice.number)
    account = b.cac(means, "PayeeFinancialAccount")
    b.cbc(account, "ID", invoice.seller.iban)
    b.cbc(account, "Name", invoice.seller.legal_name)
    if invoice.seller.bic:
        b.cbc(b.cac(account, "FinancialInstitutionBranch"), "ID", invoice.seller.bic)
    b.cbc(
        b.cac(b.root, "PaymentTerms"),
        "Note",
        f"Betaling binnen {invoice.seller.payment_term_days} dagen onder vermelding van "
        f"{invoice.number}",
    )


def _totals(b: _Builder, invoice: Invoice) -> None:
    tax_total = b.cac(b.root, "TaxTotal")
    b.money(tax_total, "TaxAmount", invoice.btw_cents)
    subtotal = b.cac(tax_total, "TaxSubtotal")
    b.money(subtotal, "TaxableAmount", invoice.subtotal_cents)
    b.money(subtotal, "TaxAmount", invoice.btw_cents)
    b.tax_category(subtotal, "TaxCategory", invoice)
    totals = b.cac(b.root, "LegalMonetaryTotal")
    b.money(totals, "LineExtensionAmount", invoice.subtotal_cents)
    b.money(totals, "TaxExclusiveAmount", invoice.subtotal_cents)
    b.money(totals, "TaxInclusiveAmount", invoice.total_cents)
    b.money(totals, "PayableAmount", invoice.total_cents)


def _lines(b: _Builder, invoice: Invoice, *, credit: bool) -> None:
    for index, line in enumerate(invoice.lines, start=1):
        element = b.cac(b.root, "CreditNoteLine" if credit else "InvoiceLine")
        b.cbc(element, "ID", str(index))
        b.cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", "1", unitCode=ONE)
        b.money(element, "LineExtensionAmount", line.amount_cents)
        item = b.cac(element, "Item")
        b.cbc(item, "Name", line.description)
        b.tax_category(item, "ClassifiedTaxCategory", invoice)
        b.money(b.cac(element, "Price"), "PriceAmount", line.amount_cents)


def render(invoice: Invoice) -> bytes:
    """The UBL document of an issued invoice or credit note."""
    if invoice.number is None or invoice.issue_date is None or invoice.due_date is None:
        raise ValueError("only issued documents have an e-invoice")
    credit = invoice.kind == "credit_note"
    namespace = CREDIT_NOTE_NS if credit else INVOICE_NS
    nsmap = {None: namespace, "cac": CAC, "cbc": CBC}
    root = etree.Element(
        f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap=nsmap,  # type: ignore[arg-type]  # lxml takes None for the default namespace
    )
    b = _Builder(root)
    _header(b, invoice, credit=credit)
    _supplier(b, invoice)
    _customer(b, invoice)
    b.cbc(b.cac(root, "Delivery"), "ActualDeliveryDate", invoice.supply_date.isoformat())
    if credit:  # paid back by the seller, or nothing to pay: no payment instructions
        b.cbc(b.cac(root, "PaymentTerms"), "Note", credit_terms(invoice))
    else:
        _payment(b, invoice)
    _totals(b, invoice)
    _lines(b, invoice, credit=credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
