"""The invoice rules: numbers of a series, due dates, and what may be issued."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
import pytest

from services.invoicing.invoices import rules as invoice_rules
from services.invoicing.invoices.schemas import Invoice
from services.invoicing.principal import Principal
from services.kit.errors import Conflict, RuleViolation


def test_numbers_and_due_dates() -> None:
    assert invoice_rules.number("PDV", 2026, 7) == "PDV-2026-00007"
    assert invoice_rules.due_date(date(2026, 12, 15), 30) == date(2027, 1, 14)


def _invoice(status: str, buyer: dict[str, object] | None, needs: list[object]) -> Invoice:
    data: dict[str, object] = {
        "id": uuid.uuid4(), "kind": "invoice", "status": status, "number": None,
        "issue_date": None, "due_date": None, "paid_on": None, "cost_sheet_id": uuid.uuid4(),
        "facilitator_id": uuid.uuid4(), "person_id": uuid.uuid4(), "participant_name": "Anna",
        "description": "Intervisie", "supply_date": "2026-11-20", "seller": SELLER,
        "buyer": buyer, "needs": needs, "client_organisation_id": None,
        "billed_to": None if buyer is None else "employer", "lines": [],
        "btw_rate_percent": 21, "subtotal_cents": 0, "btw_cents": 0, "total_cents": 0,
        "credits_id": None, "credits_number": None, "credits_issue_date": None,
        "credits_paid_on": None, "created_at": "2026-11-20T12:00:00Z",
    }  # fmt: skip
    return msgspec.convert(data, Invoice, strict=False)


SELLER = {
    "legal_name": "Praktijk", "street": "Oudegracht 1", "postal_code": "3511 AA",
    "city": "Utrecht", "country_code": "NL", "kvk_number": "12345678",
    "btw_id": "NL000099998B57", "iban": "NL91ABNA0417164300", "bic": None,
    "btw_mode": "standard", "exemption_text": None, "invoice_prefix": "PDV",
    "payment_term_days": 30, "email": "f@example.nl",
}  # fmt: skip
ADDRESS = {"name": "Anna", "street": "Straat 1", "postal_code": "1234 AB", "city": "Utrecht",
           "country_code": "NL"}  # fmt: skip


def test_a_held_draft_is_refused_with_what_it_needs() -> None:
    held = _invoice("needs_debtor", None, [{"field": "debtor", "rule": "debtor_required",
                                             "message": "nobody"}])  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        invoice_rules.check_issuable(held)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("debtor", "debtor_required")]
    assert not invoice_rules.issuable(held)


def test_a_draft_without_an_address_is_refused_like_a_held_one() -> None:
    # A draft made before debtors were required (billed by name alone) is not issued either.
    legacy = _invoice("draft", {**ADDRESS, "street": "", "city": ""}, [])
    with pytest.raises(RuleViolation) as refused:
        invoice_rules.check_issuable(legacy)
    assert [e.field for e in refused.value.errors] == ["debtor.street", "debtor.city"]
    assert not invoice_rules.issuable(legacy)


def test_a_complete_draft_is_issuable_and_an_issued_one_a_conflict() -> None:
    draft = _invoice("draft", ADDRESS, [])
    invoice_rules.check_issuable(draft)
    assert invoice_rules.issuable(draft)
    with pytest.raises(Conflict):
        invoice_rules.check_issuable(msgspec.structs.replace(draft, status="issued"))


def _reader(*roles: str, **claims: uuid.UUID) -> Principal:
    return Principal(subject="t", org_id=uuid.uuid4(), roles=frozenset(roles), **claims)


def test_who_reads_an_invoice_and_what_a_list_is_narrowed_to() -> None:
    employer = uuid.uuid4()
    issued = msgspec.structs.replace(
        _invoice("issued", ADDRESS, []), client_organisation_id=employer
    )
    draft = msgspec.structs.replace(issued, status="draft")
    hr = _reader("hr", client_org=employer)
    assert invoice_rules.may_read(hr, issued) and not invoice_rules.may_read(hr, draft)
    for outsider in (_reader("hr", client_org=uuid.uuid4()), _reader("hr")):
        assert not invoice_rules.may_read(outsider, issued)
    own = _reader("participant", person=issued.person_id)
    assert invoice_rules.may_read(own, issued) and not invoice_rules.may_read(own, draft)
    billed = _reader("facilitator", person=issued.facilitator_id)
    assert invoice_rules.may_read(billed, draft)

    narrowed = invoice_rules.reader_filter
    assert narrowed(_reader("admin")) == invoice_rules.ReaderFilter()
    assert narrowed(hr) == invoice_rules.ReaderFilter(employer_id=employer, billed_to="employer")
    assert narrowed(_reader("hr")).employer_id == invoice_rules.NOBODY
    assert narrowed(billed).facilitator_id == issued.facilitator_id
    assert narrowed(_reader("participant")).person_id == invoice_rules.NOBODY


@pytest.mark.parametrize("kind", ["invoice", "credit_note"])
def test_hr_reads_only_what_bills_its_organisation(kind: str) -> None:
    """An employee's invoice they pay themselves is none of the employer's business (ADR
    0097); neither is one billed to a debtor that is not the employer's. The participant and
    the facilitator read each of them as before."""
    employer = uuid.uuid4()
    billed = msgspec.structs.replace(
        _invoice("issued", ADDRESS, []), kind=kind, client_organisation_id=employer
    )
    hr = _reader("hr", client_org=employer)
    assert invoice_rules.may_read(hr, billed)
    for whom in ("person", "other", None):
        unseen = msgspec.structs.replace(billed, billed_to=whom)
        assert not invoice_rules.may_read(hr, unseen), whom
        assert invoice_rules.may_read(_reader("participant", person=unseen.person_id), unseen)
        assert invoice_rules.may_read(_reader("facilitator", person=unseen.facilitator_id), unseen)
        assert invoice_rules.may_read(_reader("admin"), unseen)
    assert not invoice_rules.bills_employer(billed, None)
    assert not invoice_rules.bills_employer(billed, uuid.uuid4())
