"""The invoice rules: numbers of a series and due dates."""

from __future__ import annotations

from datetime import date

from services.invoicing.invoices import rules as invoice_rules


def test_numbers_and_due_dates() -> None:
    assert invoice_rules.number("PDV", 2026, 7) == "PDV-2026-00007"
    assert invoice_rules.due_date(date(2026, 12, 15), 30) == date(2027, 1, 14)
