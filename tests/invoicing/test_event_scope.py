"""Invoicing's events as an HR client sees them (ADR 0063, 0097): its people's invoices that
bill it, and of a cost sheet's held drafts only theirs that they do not pay themselves."""

from __future__ import annotations

import uuid

from services.invoicing.event_scope import FOR_EMPLOYER


def test_a_held_sheet_shows_only_the_readers_drafts() -> None:
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    held = [
        {"invoice_id": "1", "person_id": "anna", "client_organisation_id": mine},
        {"invoice_id": "2", "person_id": "bob", "client_organisation_id": theirs},
        {"invoice_id": "3", "person_id": "cas", "client_organisation_id": None},
        {"invoice_id": "4", "person_id": "dirk", "client_organisation_id": mine,
         "billed_to": "person"},
    ]  # fmt: skip
    view = FOR_EMPLOYER["cost_sheet.needs_debtor"]
    data = {"cost_sheet_id": "s", "held": held}
    assert view(data, mine) == {"cost_sheet_id": "s", "held": held[:1]}
    assert view(data, str(uuid.uuid4())) is None


def test_an_invoice_shows_to_its_participants_employer_only_when_it_bills_them() -> None:
    mine = str(uuid.uuid4())
    billed = {"client_organisation_id": mine, "billed_to": "employer"}
    for event_type in ("invoice.issued", "invoice.paid", "invoice.credited"):
        view = FOR_EMPLOYER[event_type]
        assert view(billed, mine) == billed
        assert view({**billed, "client_organisation_id": None}, mine) is None
        for whom in ("person", "other"):
            assert view({**billed, "billed_to": whom}, mine) is None, whom
        assert view({"client_organisation_id": mine}, mine) is None  # not known: not shown
