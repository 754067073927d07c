"""The PDF: Dutch, and every field the Belastingdienst requires, found in its extracted text."""

from __future__ import annotations

import io
from typing import Any

import httpx
from pypdf import PdfReader

from services.invoicing.invoices.pdf import euros, printable
from tests.conftest import Token

from ..support import MUNICIPALITY, PROFILE, invoices_of, issued, participants, profile, sheet


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _dutch(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"


async def test_the_pdf_states_every_mandatory_field(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    response = await invoicing.get(f"/v1/invoices/{invoice['id']}/pdf", headers=auth())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _text(response.content)

    required = [
        "FACTUUR",
        # supplier: name, address, btw-id, KvK
        PROFILE["legal_name"], PROFILE["street"], f"{PROFILE['postal_code']} {PROFILE['city']}",
        "Btw-nummer: NL000099998B57", "KvK-nummer: 12345678",
        f"E-mail: {PROFILE['email']}",  # the contact the Basisfactuur Rijk asks for
        # customer: name and address (and the participant it concerns, and its reference)
        MUNICIPALITY["name"], MUNICIPALITY["street"],
        f"{MUNICIPALITY['postal_code']} {MUNICIPALITY['city']}",
        f"T.a.v. {invoice['participant_name']}", "Uw referentie: KP-4711",
        # number (unbroken series), invoice date, date of supply
        f"Factuurnummer: {invoice['number']}",
        f"Factuurdatum: {_dutch(invoice['issue_date'])}",
        f"Leverdatum: {_dutch(invoice['supply_date'])}",
        # nature and extent of the service
        "Begeleiding intervisiebijeenkomst, 2,5 uur",
        "Voorbereiding, 1 uur", "Reistijd, 0,75 uur", "Reiskosten, 38 km", "Locatiekosten",
        # amount excluding BTW per rate, the rate, the BTW amount, the total
        f"Totaal excl. btw (btw 21%) {euros(invoice['subtotal_cents'])}",
        f"Btw 21% over {euros(invoice['subtotal_cents'])} {euros(invoice['btw_cents'])}",
        f"Totaal incl. btw {euros(invoice['total_cents'])}",
        # how and when to pay
        "NL91ABNA0417164300", _dutch(invoice["due_date"]),
    ]  # fmt: skip
    for line in invoice["lines"]:
        required.append(euros(line["amount_cents"]))
    missing = [field for field in required if field not in text]
    assert missing == [], text


async def test_an_exempt_pdf_states_the_exemption(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth(), btw_mode="exempt")
    text = _text((await invoicing.get(f"/v1/invoices/{invoice['id']}/pdf", headers=auth())).content)
    assert "art. 11 lid 1 sub o Wet OB" in text
    assert "Btw 0% (vrijgesteld)" in text


async def test_a_credit_note_pdf_names_the_original(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice = await issued(invoicing, auth())
    note = (
        await invoicing.post(f"/v1/invoices/{invoice['id']}/credit-note", headers=auth())
    ).json()
    text = _text((await invoicing.get(f"/v1/invoices/{note['id']}/pdf", headers=auth())).content)
    assert "CREDITFACTUUR" in text
    assert f"Creditfactuurnummer: {note['number']}" in text
    assert (
        f"Creditering van factuur {invoice['number']} van {_dutch(invoice['issue_date'])}" in text
    )
    assert euros(note["total_cents"]) in text


async def _credit_note_text(
    invoicing: httpx.AsyncClient, headers: dict[str, str], *, paid: bool
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """An invoice, paid or not, its credit note, and the credit note's PDF as one line."""
    invoice = await issued(invoicing, headers)
    if paid:
        payment = await invoicing.post(
            f"/v1/invoices/{invoice['id']}/payment", json={"paid_on": "2026-12-01"}, headers=headers
        )
        assert payment.status_code == 200, payment.text
    note = (
        await invoicing.post(f"/v1/invoices/{invoice['id']}/credit-note", headers=headers)
    ).json()
    pdf = await invoicing.get(f"/v1/invoices/{note['id']}/pdf", headers=headers)
    return invoice, note, " ".join(_text(pdf.content).split())


async def test_the_credit_note_of_an_unpaid_invoice_cancels_the_amount_due(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice, note, text = await _credit_note_text(invoicing, auth(), paid=False)
    assert note["credits_paid_on"] is None
    assert (
        f"Met deze creditfactuur vervalt het openstaande bedrag van {euros(invoice['total_cents'])}"
        f" van factuur {invoice['number']}: u hoeft niets te betalen." in text
    )
    assert "terugbetaald" not in text


async def test_only_the_credit_note_of_a_paid_invoice_promises_a_refund(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    invoice, note, text = await _credit_note_text(invoicing, auth(), paid=True)
    assert note["credits_paid_on"] == "2026-12-01"
    assert (
        f"Factuur {invoice['number']} is betaald op 01-12-2026; het betaalde bedrag van "
        f"{euros(invoice['total_cents'])} wordt aan u terugbetaald." in text
    )
    assert "vervalt" not in text


def test_amounts_and_text_for_the_pdf() -> None:
    assert euros(123456) == "EUR 1.234,56"
    assert euros(-1234) == "EUR -12,34"
    assert euros(5) == "EUR 0,05"
    assert printable("Zoë Łukasik-Erdős") == "Zoë ?ukasik-Erdos"
    assert printable("Ça va") == "Ça va"


async def test_any_name_and_a_long_description_render(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = await profile(invoicing, auth())
    people = participants(2)
    people[0]["name"] = "Zoë Łukasik-Erdős \ufffe 李"
    people[0]["debtor"] = {**people[0]["debtor"], "name": people[0]["name"]}
    long = "Zaalhuur, koffie, thee en lunch voor de hele groep " * 3
    created = await sheet(
        invoicing,
        auth(),
        facilitator,
        participants=people,
        other_cents=4000,
        other_description=long.strip(),
    )
    first = (await invoices_of(invoicing, auth(), created["id"]))[0]
    issued_one = await invoicing.post(f"/v1/invoices/{first['id']}/issue", headers=auth())
    assert issued_one.status_code == 200
    pdf = await invoicing.get(f"/v1/invoices/{first['id']}/pdf", headers=auth())
    assert pdf.status_code == 200
    text = " ".join(_text(pdf.content).split())
    assert "Zoë ?ukasik-Erdos ? ?" in text
    assert "voor de hele groep (aandeel 1/2)" in text
    ubl = await invoicing.get(f"/v1/invoices/{first['id']}/ubl", headers=auth())
    assert ubl.status_code == 200
    assert "Zoë Łukasik-Erdős ? 李".encode() in ubl.content
