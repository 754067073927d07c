"""The retention of invoices and what blocks a person's erasure: pure rules."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.privacy import rules
from services.invoicing.privacy.rules import Kept
from services.kit.errors import Conflict

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))
YEARS = st.integers(min_value=rules.LEGAL_MINIMUM_YEARS, max_value=100)


@given(issued=DAYS, years=YEARS)
def test_an_invoice_is_kept_to_the_end_of_the_year_years_after_its_issue(
    issued: date, years: int
) -> None:
    until = rules.kept_until(issued, years)
    assert (until.month, until.day) == (12, 31)
    assert until.year == issued.year + years
    assert until - issued >= timedelta(days=365 * years)  # at least the years, never fewer


@given(issued=DAYS, as_of=DAYS, years=YEARS)
def test_due_exactly_when_issued_before_the_cutoff(issued: date, as_of: date, years: int) -> None:
    due = rules.is_due(issued, as_of, years)
    assert due == (issued < rules.cutoff(as_of, years))
    assert due == (as_of >= date(issued.year + years + 1, 1, 1))


@given(issued=DAYS, years=YEARS)
def test_the_last_day_kept_is_not_due_and_the_next_is(issued: date, years: int) -> None:
    until = rules.kept_until(issued, years)
    assert not rules.is_due(issued, until, years)
    assert rules.is_due(issued, until + timedelta(days=1), years)


def test_an_invoice_of_2026_is_kept_through_2033() -> None:
    assert rules.kept_until(date(2026, 1, 1)) == date(2033, 12, 31)
    assert rules.kept_until(date(2026, 12, 31)) == date(2033, 12, 31)
    assert rules.cutoff(date(2034, 1, 1)) == date(2027, 1, 1)
    assert not rules.is_due(date(2026, 12, 31), date(2033, 12, 31))
    assert rules.is_due(date(2026, 12, 31), date(2034, 1, 1))


def _kept(kind: str, status: str, issued: date | None, **fields: object) -> Kept:
    number = None if issued is None else f"PDV-{issued.year}-00001"
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "kind": kind,
        "status": status,
        "number": number,
        "issue_date": issued,
        "credits_id": None,
        **fields,
    }
    return Kept(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["draft", "needs_debtor", "issued"])
def test_an_unsettled_invoice_refuses_the_erasure_naming_it(status: str) -> None:
    issued = None if status != "issued" else date(2026, 3, 1)
    open_one = _kept("invoice", status, issued)
    paid = _kept("invoice", "paid", date(2026, 2, 1))
    with pytest.raises(Conflict) as refused:
        rules.check_erasable([paid, open_one])
    assert [e.rule for e in refused.value.errors] == ["open_obligations"]
    assert refused.value.extra == {
        "invoices": [{"id": str(open_one.id), "number": open_one.number, "status": status}]
    }


def test_settled_invoices_and_credit_notes_do_not_refuse() -> None:
    credited = _kept("invoice", "credited", date(2026, 2, 1))
    note = _kept("credit_note", "issued", date(2026, 2, 3), credits_id=credited.id)
    rules.check_erasable([_kept("invoice", "paid", date(2026, 1, 5)), credited, note])
    rules.check_erasable([])


@given(invoiced=DAYS, later=st.integers(min_value=0, max_value=3000), years=YEARS)
def test_a_credited_invoice_and_its_credit_note_are_kept_until_the_later(
    invoiced: date, later: int, years: int
) -> None:
    credited_on = invoiced + timedelta(days=later)
    invoice = _kept("invoice", "credited", invoiced)
    note = _kept("credit_note", "issued", credited_on, credits_id=invoice.id)
    paid = _kept("invoice", "paid", invoiced)
    held = {h.id: h for h in rules.held([invoice, note, paid], years)}
    assert held[invoice.id].until == held[note.id].until == rules.kept_until(credited_on, years)
    assert held[paid.id].until == rules.kept_until(invoiced, years)
    assert {h.kind for h in held.values()} == {"invoice", "credit_note"}
    assert all(h.reason == rules.REASON for h in held.values())
    assert "AWR art. 52(4)" in rules.REASON and "17(3)(b)" in rules.REASON


def test_a_draft_is_never_held() -> None:
    assert rules.held([_kept("invoice", "draft", None)]) == []


SERIES = st.sampled_from(["PRIV-2019", "A-B-2019", "PRIV-2020"])
NUMBERED = st.lists(
    st.tuples(SERIES, st.integers(min_value=1, max_value=120)).map(lambda n: f"{n[0]}-{n[1]:05d}"),
    max_size=60,
)


def _expanded(lines: list[str]) -> set[str]:
    """The numbers the lines of :func:`rules.number_ranges` state."""
    numbers = set()
    for line in lines:
        first, _, last = line.partition(rules.RANGE)
        series, _, start = first.rpartition("-")
        end = last.rpartition("-")[2] if last else start
        numbers |= {f"{series}-{n:05d}" for n in range(int(start), int(end) + 1)}
    return numbers


@given(numbers=NUMBERED)
def test_removed_numbers_are_stated_as_ranges_that_hold_exactly_them(numbers: list[str]) -> None:
    lines = rules.number_ranges(numbers)
    assert _expanded(lines) == set(numbers)
    assert sum(len(_expanded([line])) for line in lines) == len(set(numbers))  # once each
    for earlier, later in pairwise(lines):  # no two runs could be one
        first, last = earlier.split(rules.RANGE)[-1], later.split(rules.RANGE)[0]
        same = first.rpartition("-")[0] == last.rpartition("-")[0]
        assert not (same and int(last.rpartition("-")[2]) == int(first.rpartition("-")[2]) + 1)


def test_a_year_removed_whole_is_one_line_and_odd_numbers_stay_as_they_are() -> None:
    year = [f"PRIV-2019-{n:05d}" for n in (3, 1, 2, 5)]
    assert rules.number_ranges([*year, "legacy", "PRIV-2019-00002"]) == [
        "PRIV-2019-00001..PRIV-2019-00003",
        "PRIV-2019-00005",
        "legacy",
    ]
    assert rules.number_ranges([]) == []
