"""The e-invoices against the official rules: the UBL 2.1 XSD, CEN EN 16931 and Peppol BIS 3.0 / NL.

Documents come from the API (issued invoices and credit notes, 21% and exempt). The
official artefacts are read from ``../shared/peppol`` next to the repository; the
rule tests skip only when that folder is absent.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
import msgspec
import peppol
import pytest
from lxml import etree

from services.invoicing.invoices import ubl
from services.invoicing.invoices.schemas import Invoice
from tests.conftest import Token

from ..support import MUNICIPALITY, PEPPOL, PROFILE, issued
from . import schematron

MAINDOC = Path(peppol.__file__).parent / "schema" / "maindoc"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
needs_rules = pytest.mark.skipif(not PEPPOL.is_dir(), reason="../shared/peppol is absent")
EXAMPLES = sorted((PEPPOL / "examples").glob("*.xml")) if PEPPOL.is_dir() else []


@cache
def xsd(kind: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(MAINDOC / f"UBL-{kind}-2.1.xsd")))


CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "standard": ({}, MUNICIPALITY),
    "exempt": ({"btw_mode": "exempt"}, MUNICIPALITY),
    # A government body registered with the KvK too: the Rijk identifies it by OIN only.
    "kvk-and-oin": ({}, {**MUNICIPALITY, "kvk_number": "30280353"}),
}
"""Profile changes and the buyer of each case; every buyer is a government buyer (OIN)."""


async def _documents(invoicing: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, bytes]:
    """An invoice and its credit note per case (21%, exempt, …), as served."""
    documents: dict[str, bytes] = {}
    for mode, (changes, buyer) in CASES.items():
        invoice = await issued(invoicing, headers, buyer=buyer, **changes)
        credit = await invoicing.post(f"/v1/invoices/{invoice['id']}/credit-note", headers=headers)
        assert credit.status_code == 201, credit.text
        for name, document in (("invoice", invoice), ("credit_note", credit.json())):
            response = await invoicing.get(f"/v1/invoices/{document['id']}/ubl", headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/xml")
            documents[f"{mode}-{name}"] = response.content
    return documents


@pytest.fixture
async def documents(invoicing: httpx.AsyncClient, auth: Token) -> dict[str, bytes]:
    return await _documents(invoicing, auth())


def _root(document: bytes) -> Any:
    return etree.fromstring(document)


async def test_documents_validate_against_the_ubl_xsd(documents: dict[str, bytes]) -> None:
    for name, document in documents.items():
        kind = "CreditNote" if name.endswith("credit_note") else "Invoice"
        schema = xsd(kind)
        assert schema.validate(_root(document)), (name, schema.error_log)
        assert etree.QName(_root(document)).localname == kind


@needs_rules
async def test_documents_pass_the_cen_rules(documents: dict[str, bytes]) -> None:
    validator = schematron.cen(PEPPOL)
    for name, document in documents.items():
        report = validator.validate(document)
        assert report.fired_rules > 20, name
        assert report.failures == [], (name, report.failures)


@needs_rules
async def test_documents_pass_the_peppol_and_dutch_rules(documents: dict[str, bytes]) -> None:
    validator = schematron.peppol(PEPPOL)
    for name, document in documents.items():
        report = validator.validate(document)
        assert report.fired_rules > 20, name
        assert report.failures == [], (name, report.failures)


async def test_documents_carry_what_peppol_and_nlcius_require(
    documents: dict[str, bytes],
) -> None:
    for name, document in documents.items():
        root = _root(document)

        def values(path: str, root: Any = root) -> list[str]:
            return [str(v) for v in root.xpath(path, namespaces=NS)]

        assert values("cbc:CustomizationID/text()") == [
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        ]
        assert values("cbc:ProfileID/text()") == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
        supplier = "cac:AccountingSupplierParty/cac:Party/"
        assert values(supplier + "cbc:EndpointID/@schemeID") == ["0106"]
        assert values(supplier + "cac:PartyLegalEntity/cbc:CompanyID/@schemeID") == ["0106"]
        assert values(supplier + "cac:PartyLegalEntity/cbc:CompanyID/text()") == ["12345678"]
        assert values(supplier + "cac:PartyTaxScheme/cbc:CompanyID/text()") == ["NL000099998B57"]
        for party in ("AccountingSupplierParty", "AccountingCustomerParty"):
            address = f"cac:{party}/cac:Party/cac:PostalAddress/"
            for part in ("cbc:StreetName", "cbc:CityName", "cbc:PostalZone"):
                assert values(address + part + "/text()"), (name, party, part)
        customer = "cac:AccountingCustomerParty/cac:Party/"
        assert values(customer + "cbc:EndpointID/@schemeID") == ["0190"]
        assert values(customer + "cac:PartyLegalEntity/cbc:CompanyID/@schemeID") == ["0190"]
        assert values("cbc:BuyerReference/text()") == ["KP-4711"]
        assert len(values("cac:TaxTotal/cbc:TaxAmount/text()")) == 1
        category = values("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()")
        if name.startswith("exempt"):
            assert category == ["E"]
            assert values("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason")
            assert values("cac:TaxTotal/cbc:TaxAmount/text()") == ["0.00"]
        else:
            assert category == ["S"]
            assert values("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()") == [
                "21"
            ]
        if name.endswith("credit_note"):
            assert values("cbc:CreditNoteTypeCode/text()") == ["381"]
            reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
            assert values(reference + "cbc:ID/text()")[0].startswith("PDV-")
            assert values(reference + "cbc:IssueDate/text()")
            assert values("cac:CreditNoteLine")
            # the invoice credited was unpaid: nothing is refunded
            [terms] = values("cac:PaymentTerms/cbc:Note/text()")
            assert terms.endswith("u hoeft niets te betalen."), terms
        else:
            assert values("cbc:InvoiceTypeCode/text()") == ["380"]
            assert values("cac:PaymentMeans/cbc:PaymentMeansCode/text()") == ["58"]
            assert values("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()") == [
                "NL91ABNA0417164300"
            ]
            assert values("cac:InvoiceLine")


async def test_documents_meet_the_basisfactuur_rijk(documents: dict[str, bytes]) -> None:
    """What the Rijk's gateway adds for a government buyer (Basisfactuur Rijk, December 2022,
    with its schematron's rules BR-NL-BFR-…), each element as the handreiking numbers it."""
    for name, document in documents.items():
        root = _root(document)

        def values(path: str, root: Any = root) -> list[str]:
            return [str(v) for v in root.xpath(path, namespaces=NS)]

        supplier = "cac:AccountingSupplierParty/cac:Party/"
        customer = "cac:AccountingCustomerParty/cac:Party/"
        # 1.4: one currency everywhere
        assert set(values("//@currencyID")) == set(values("cbc:DocumentCurrencyCode/text()"))
        # 1.5: the order number, in the order reference (BFR-7) and as the buyer's reference
        assert values("cac:OrderReference/cbc:ID/text()") == ["KP-4711"], name
        assert values("cbc:BuyerReference/text()") == ["KP-4711"], name
        # 2.2, 2.3, 2.8: the supplier's KvK number, btw-id (BFR-16) and contact e-mail (BFR-19)
        assert values(supplier + "cac:PartyLegalEntity/cbc:CompanyID/text()") == ["12345678"]
        assert values(supplier + "cac:PartyTaxScheme/cbc:CompanyID/text()") == ["NL000099998B57"]
        assert values(supplier + "cac:Contact/cbc:ElectronicMail/text()") == [PROFILE["email"]]
        # 3.2: the buyer identified by its OIN alone, even when it has a KvK number (BFR-22)
        legal = customer + "cac:PartyLegalEntity/cbc:CompanyID"
        assert values(legal + "/text()") == [MUNICIPALITY["peppol_id"]], name
        assert values(legal + "/@schemeID") == ["0190"], name
        # 4.1: the IBAN to pay to (BFR-3); a credit note asks for no payment
        iban = values("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()")
        assert iban == ([] if name.endswith("credit_note") else ["NL91ABNA0417164300"]), name


async def test_only_a_government_buyer_gets_an_order_reference(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    """Another buyer's reference may be a cost centre, not an order: no ``OrderReference``;
    a supplier without an e-mail states no contact."""
    served = await issued(invoicing, auth())
    invoice = msgspec.convert(served, Invoice)
    company = msgspec.structs.replace(invoice.buyer, peppol_scheme="0106", peppol_id="30280353")
    seller = msgspec.structs.replace(invoice.seller, email=None)
    root = _root(ubl.render(msgspec.structs.replace(invoice, buyer=company, seller=seller)))
    assert root.xpath("cbc:BuyerReference/text()", namespaces=NS) == ["KP-4711"]
    assert root.xpath("cac:OrderReference", namespaces=NS) == []
    assert root.xpath("//cac:Contact", namespaces=NS) == []


@needs_rules
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_the_runner_passes_the_official_examples(example: Path) -> None:
    report = schematron.peppol(PEPPOL).validate(example.read_bytes())
    assert report.fired_rules > 20
    assert report.failures == []


def _without(example: str, path: str) -> bytes:
    root = etree.parse(str(PEPPOL / "examples" / example)).getroot()
    for element in root.xpath(path, namespaces=NS):
        element.getparent().remove(element)
    return etree.tostring(root)


@needs_rules
@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "PEPPOL-EN16931-R020"),
        ("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "PEPPOL-EN16931-R010"),
        ("cbc:BuyerReference | cac:OrderReference", "PEPPOL-EN16931-R003"),
    ],
)
def test_the_runner_catches_a_broken_document(path: str, rule: str) -> None:
    report = schematron.peppol(PEPPOL).validate(_without("base-example.xml", path))
    assert rule in report.ids("fatal"), report.failures


@needs_rules
@pytest.mark.parametrize(
    ("document", "path", "rule"),
    [
        (
            "standard-invoice",
            "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:PostalZone",
            "NL-R-002",
        ),
        (
            "standard-invoice",
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID/@schemeID",
            "NL-R-003",
        ),
        (
            "standard-invoice",
            "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:StreetName",
            "NL-R-004",
        ),
        ("standard-invoice", "cac:PaymentMeans", "NL-R-007"),
        ("exempt-credit_note", "cac:BillingReference", "NL-R-001"),
        (
            "standard-invoice",
            "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "PEPPOL-EN16931-R020",
        ),
    ],
)
async def test_the_runner_holds_our_documents_to_the_dutch_rules(
    documents: dict[str, bytes], document: str, path: str, rule: str
) -> None:
    root = _root(documents[document])
    for node in root.xpath(path, namespaces=NS):
        if isinstance(node, str):  # an attribute
            node.getparent().attrib.pop(node.attrname)
        else:
            node.getparent().remove(node)
    report = schematron.peppol(PEPPOL).validate(etree.tostring(root))
    assert rule in report.ids("fatal"), report.failures
