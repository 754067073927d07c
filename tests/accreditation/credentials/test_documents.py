"""The printable proof and the page its QR code opens: what a person holding the paper sees."""

from __future__ import annotations

import uuid

import httpx
import pypdfium2
import zxingcpp

from tests.accreditation.credentials.support import credit, cycle, participant, proof
from tests.conftest import Token


def qr_codes(document: bytes) -> list[str]:
    """The QR codes on the PDF's first page, rendered (pypdfium2) and decoded (zxing-cpp)."""
    page = pypdfium2.PdfDocument(document)[0]
    image = page.render(scale=3).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def test_the_pdf_qr_code_opens_the_credentials_page_without_a_token(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    mine, issued = await proof(accreditation, auth)

    pdf = await accreditation.get(f"/v1/credentials/{issued['id']}/pdf", headers=mine)

    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert qr_codes(pdf.content) == [issued["url"]]
    page = await accreditation.get(issued["url"])
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    for shown in ("Geldig", "Anouk de Vries", "110001234", "Incidentmethode", "26-03-2026"):
        assert shown in page.text, shown
    assert "casus" not in page.text.replace("geen casusinhoud", "")


async def test_the_period_statement_prints_its_sessions_and_its_qr_code(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    anouk = uuid.uuid4()
    await credit(accreditation, auth, anouk)
    mine = participant(auth, anouk)
    stated = await cycle(accreditation, mine)
    (period,) = [i for i in stated["items"] if i["kind"] == "period"]
    read = await accreditation.get(f"/v1/credentials/{period['credential_id']}", headers=mine)

    pdf = await accreditation.get(f"/v1/credentials/{period['credential_id']}/pdf", headers=mine)

    assert qr_codes(pdf.content) == [read.json()["url"]]
    page = await accreditation.get(read.json()["url"])
    assert "Periodeverklaring" in page.text and "01-03-2025 t/m 28-02-2030" in page.text
