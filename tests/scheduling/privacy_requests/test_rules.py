"""The rules of a person's one request: the archive's layout, which documents are fetched, and
what a service's answer makes of an erasure request; and the archive written as it is read."""

from __future__ import annotations

import io
import random
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.kit.errors import Conflict, Unavailable
from services.scheduling.privacy_requests import rules
from services.scheduling.privacy_requests.archive import Archive, once
from services.scheduling.privacy_requests.schemas import ErasureRequest


def test_documents_go_by_kind_and_by_their_name_or_number() -> None:
    invoice = str(uuid.uuid4())
    records = {"invoices": [{"id": invoice, "number": "FEE-2026-00001"}]}
    named = {"kind": "invoice_pdf", "id": invoice, "name": "FEE-2026-00001"}
    unnamed = {"kind": "invoice_pdf", "id": invoice}
    credential = {"kind": "credential_pdf", "id": "c-1"}
    assert rules.document_path(named, {}) == "documents/invoices/FEE-2026-00001.pdf"
    assert rules.document_path(unnamed, records) == "documents/invoices/FEE-2026-00001.pdf"
    assert rules.document_path(credential, records) == "documents/credentials/c-1.pdf"
    sneaky = {"kind": "../x_pdf", "id": "1", "name": "../../etc/passwd"}
    assert ".." not in rules.document_path(sneaky, {}).removeprefix("documents/")


@pytest.mark.parametrize(
    ("href", "allowed"),
    [
        ("/v1/invoices/1/pdf", True),
        ("https://elsewhere.example/x", False),
        ("//elsewhere.example/x", False),
        ("/v1/../internal/events", False),
        ("/health/live", False),
    ],
)
def test_a_document_is_fetched_from_its_service_s_api_only(href: str, allowed: bool) -> None:
    assert rules.href_allowed(href) is allowed


def _request(status: str, refusal: rules.ErasureRefusal | None) -> ErasureRequest:
    return ErasureRequest(
        id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        status=status,  # type: ignore[arg-type]
        requested_by="admin",
        requested_at=datetime.now(UTC),
        completed_at=None,
        refusal=refusal,
        parts=[],
        held=[],
    )


def test_invoicing_s_refusal_is_a_409_naming_its_rule_and_what_it_named() -> None:
    problem = {
        "detail": "An invoice of the person is unpaid.",
        "errors": [{"rule": "open_obligations", "message": "unpaid"}],
        "extra": {"invoices": [{"id": "i-1", "number": "A-1", "status": "issued"}]},
    }
    refusal = rules.refusal_of("invoicing", 409, problem)
    assert (refusal.rule, refusal.extra) == ("open_obligations", problem["extra"])
    request = _request("refused", refusal)
    error = rules.refusal_error(request)
    assert isinstance(error, Conflict)
    assert [e.rule for e in error.errors] == ["open_obligations"]
    assert error.extra is not None
    assert error.extra["erasure_request_id"] == str(request.id)
    assert error.extra["invoices"] == problem["extra"]["invoices"]


def test_a_refusal_names_the_invoices_that_block_it_by_id_once_each() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    named = [
        {"id": str(first)},
        {"id": "not-an-id"},
        "odd",
        {"id": str(second)},
        {"id": str(first)},
    ]
    refusal = rules.refusal_of("invoicing", 409, {"extra": {"invoices": named}})
    assert rules.blocking_invoices(refusal) == [first, second]
    assert rules.blocking_invoices(rules.refusal_of("invoicing", 409, {})) == []
    assert (
        rules.blocking_invoices(rules.refusal_of("invoicing", 409, {"extra": {"invoices": "none"}}))
        == []
    )


def test_a_service_that_did_not_answer_is_a_503() -> None:
    refusal = rules.refusal_of("accreditation", 503, None)
    assert (refusal.rule, refusal.detail) == (None, "answered 503")
    assert isinstance(rules.refusal_error(_request("failed", refusal)), Unavailable)


def test_invoicing_is_asked_first() -> None:
    assert rules.ERASURE_ORDER[0] == "invoicing"


async def _pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_the_archive_is_written_as_it_is_read() -> None:
    archive = Archive()
    pdf = random.Random(20).randbytes(1_000_000)  # does not compress
    out = [c async for c in archive.entry("scheduling.json", once(b'{"a": 1}'))]
    out += [c async for c in archive.entry("documents/invoices/A-1.pdf", _pieces(pdf, 65536))]
    out.append(archive.close())
    assert len(out) > 10 and max(map(len, out)) < 200_000  # streamed, never whole
    read = zipfile.ZipFile(io.BytesIO(b"".join(out)))
    assert read.namelist() == ["scheduling.json", "documents/invoices/A-1.pdf"]
    assert read.read("documents/invoices/A-1.pdf") == pdf
    assert read.testzip() is None
