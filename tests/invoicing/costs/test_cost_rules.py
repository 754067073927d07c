"""The money rules: the equal split, largest remainder, BTW half up, drafts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.costs import lines as cost_lines
from services.invoicing.costs import rules
from services.invoicing.costs.schemas import CostSheet, CostsIn, Participant
from services.invoicing.debtors.schemas import Debtor
from services.invoicing.invoices.rules import Buyer, Draft
from services.invoicing.invoices.schemas import CostLine

cents = st.integers(min_value=0, max_value=10_000_000)
line_amounts = st.lists(cents, min_size=1, max_size=6)
sharers = st.integers(min_value=1, max_value=50)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 60, 0), (29, 60, 0), (30, 60, 1), (31, 60, 1), (89, 60, 1), (90, 60, 2),
     (-30, 60, -1), (-29, 60, 0), (5, 10, 1), (15, 10, 2), (25, 10, 3), (-25, 10, -3)],
)  # fmt: skip
def test_divide_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert rules.divide_half_up(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [(0, 21, 0), (100, 21, 21), (7937, 21, 1667), (7938, 21, 1667), (50, 21, 11),
     (250, 21, 53), (2, 21, 0), (3, 21, 1), (-250, 21, -53), (12345, 0, 0), (10, 9, 1)],
)  # fmt: skip
def test_btw_is_rounded_half_up(base: int, rate: int, expected: int) -> None:
    assert rules.btw_amount(base, rate) == expected


def test_btw_exact_halves_round_up() -> None:
    # 50 cents at 21% is 10.5 cents: half up gives 11 (banker's rounding would give 10).
    assert rules.btw_amount(50, 21) == 11
    assert rules.btw_amount(150, 21) == 32  # 31.5


@given(base=st.integers(min_value=-(10**9), max_value=10**9), rate=st.sampled_from([0, 9, 21]))
def test_btw_is_within_half_a_cent(base: int, rate: int) -> None:
    amount = rules.btw_amount(base, rate)
    assert abs(amount * 100 - base * rate) <= 50
    assert rules.btw_amount(-base, rate) == -amount


def test_time_amount() -> None:
    assert rules.time_amount(12500, 150) == 31250
    assert rules.time_amount(12500, 45) == 9375
    assert rules.time_amount(12500, 1) == 208  # 208.33
    assert rules.time_amount(12501, 1) == 208  # 208.35 → 208
    assert rules.time_amount(12530, 1) == 209  # 208.83


def test_equal_shares_give_leftover_cents_to_the_first() -> None:
    assert rules.equal_shares(63499, 8) == [7938, 7938, 7938] + [7937] * 5
    assert rules.equal_shares(100, 3) == [34, 33, 33]
    assert rules.equal_shares(7, 7) == [1] * 7
    assert rules.equal_shares(0, 2) == [0, 0]


def test_largest_remainder_with_weights() -> None:
    assert rules.largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert rules.largest_remainder(10, [1, 2]) == [3, 7]  # 3.33 and 6.67: the larger remainder
    assert rules.largest_remainder(5, [0, 1]) == [0, 5]
    with pytest.raises(ValueError):
        rules.largest_remainder(5, [0, 0])
    with pytest.raises(ValueError):
        rules.largest_remainder(-1, [1])


@given(total=cents, count=sharers)
def test_equal_shares_add_up_and_differ_by_at_most_a_cent(total: int, count: int) -> None:
    shares = rules.equal_shares(total, count)
    assert sum(shares) == total
    assert len(shares) == count
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)  # deterministic: the first get the cents


@given(total=cents, weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1,
                                     max_size=20).filter(any))  # fmt: skip
def test_largest_remainder_adds_up_within_a_cent_of_the_quota(
    total: int, weights: list[int]
) -> None:
    parts = rules.largest_remainder(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part * whole - total * weight) < whole


@given(amounts=line_amounts, count=sharers)
def test_split_lines_adds_up_every_way(amounts: list[int], count: int) -> None:
    rows = rules.split_lines(amounts, count)
    assert [sum(row) for row in rows] == rules.equal_shares(sum(amounts), count)
    for column, amount in enumerate(amounts):
        parts = [row[column] for row in rows]
        assert sum(parts) == amount
        assert max(parts) - min(parts) <= 1


def _sheet(amounts: list[int], count: int, *, sharing: str = "members") -> CostSheet:
    debtor = Debtor(name="X", street="Straat 1", postal_code="1234 AB", city="Utrecht",
                    country_code="NL")  # fmt: skip
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    kinds = ["facilitation", "preparation", "travel_time", "travel_costs", "location", "other"]
    return CostSheet(
        id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        facilitator_id=uuid.uuid4(),
        description="Intervisiebijeenkomst",
        session_starts_at=now,
        session_ends_at=now,
        supply_date=date(2026, 11, 20),
        facilitation_minutes=0,
        preparation_minutes=0,
        travel_minutes=0,
        travel_km=0,
        hourly_rate_cents=12500,
        rate_per_km_cents=23,
        location_cents=0,
        location_description=None,
        other_cents=0,
        other_description=None,
        sharing=sharing,  # type: ignore[arg-type]
        participants=[
            Participant(
                person_id=uuid.uuid4(),
                name=f"P{i}",
                member=True,
                attended=i % 2 == 0,
                debtor=debtor,
            )
            for i in range(count)
        ],
        lines=[
            CostLine(kind=kind, description=kind, amount_cents=amount)  # type: ignore[arg-type]
            for kind, amount in zip(kinds, amounts, strict=False)
        ],
        total_cents=sum(amounts),
        revision=1,
        revised_at=None,
        superseded_at=None,
        created_at=now,
    )


def _drafts(sheet: CostSheet, rate: int) -> list[Draft]:
    """The sheet's drafts, each to the debtor the sheet gives its participant."""
    buyers = {
        p.person_id: None if p.debtor is None else Buyer(p.debtor, "other")
        for p in sheet.participants
    }
    return rules.drafts(sheet, btw_rate_percent=rate, buyers=buyers)


@given(amounts=line_amounts, count=sharers, rate=st.sampled_from([0, 21]))
def test_invoices_add_up_exactly_to_the_cost_sheet(
    amounts: list[int], count: int, rate: int
) -> None:
    """The property of the issue: for any cost sheet and 1 to 50 sharing participants."""
    sheet = _sheet(amounts, count)
    drafts = _drafts(sheet, rate)
    assert len(drafts) == count
    assert sum(d.subtotal_cents for d in drafts) == sheet.total_cents
    subtotals = [d.subtotal_cents for d in drafts]
    assert max(subtotals) - min(subtotals) <= 1
    for draft in drafts:
        assert sum(line.amount_cents for line in draft.lines) == draft.subtotal_cents
        assert all(line.amount_cents > 0 for line in draft.lines)
        assert draft.btw_cents == rules.btw_amount(draft.subtotal_cents, rate)
        assert draft.total_cents == draft.subtotal_cents + draft.btw_cents
    per_kind: dict[str, int] = {}
    for draft in drafts:
        for line in draft.lines:
            per_kind[line.kind] = per_kind.get(line.kind, 0) + line.amount_cents
    assert per_kind == {line.kind: line.amount_cents for line in sheet.lines if line.amount_cents}


def test_the_attendees_policy_bills_only_who_came() -> None:
    sheet = _sheet([1000], 6, sharing="attendees")
    drafts = _drafts(sheet, 21)
    assert [d.participant_name for d in drafts] == ["P0", "P2", "P4"]
    assert [d.subtotal_cents for d in drafts] == [334, 333, 333]
    members = _drafts(_sheet([1000], 6), 21)
    assert len(members) == 6


def test_cost_lines_leave_out_zero_amounts_and_describe_in_dutch() -> None:
    lines = cost_lines.cost_lines(
        facilitation_minutes=150,
        preparation_minutes=60,
        travel_minutes=0,
        travel_km=38,
        location_cents=0,
        location_description=None,
        other_cents=1250,
        other_description="Koffie en thee",
        hourly_rate_cents=12500,
        rate_per_km_cents=23,
    )
    assert [(line.kind, line.amount_cents) for line in lines] == [
        ("facilitation", 31250),
        ("preparation", 12500),
        ("travel_costs", 874),
        ("other", 1250),
    ]
    assert lines[0].description == "Begeleiding intervisiebijeenkomst, 2,5 uur à EUR 125,00 per uur"
    assert lines[2].description == "Reiskosten, 38 km à EUR 0,23 per km"
    assert lines[3].description == "Koffie en thee"


def test_supply_date_is_the_date_in_amsterdam() -> None:
    late = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Amsterdam
    assert rules.supply_date(late) == date(2026, 7, 1)


@given(
    minutes=st.lists(st.integers(min_value=0, max_value=1440), min_size=3, max_size=3),
    km=st.integers(min_value=0, max_value=10_000),
    extra=st.lists(cents, min_size=2, max_size=2),
    hourly=st.integers(min_value=0, max_value=100_000_000),
    per_km=st.integers(min_value=0, max_value=10_000),
    count=sharers,
    rate=st.sampled_from([0, 21]),
)
def test_any_cost_sheet_splits_exactly(
    minutes: list[int], km: int, extra: list[int], hourly: int, per_km: int, count: int, rate: int
) -> None:
    """From the raw inputs of a cost sheet, as the route computes them, to the invoices."""
    lines = cost_lines.cost_lines(
        facilitation_minutes=minutes[0],
        preparation_minutes=minutes[1],
        travel_minutes=minutes[2],
        travel_km=km,
        location_cents=extra[0],
        location_description=None,
        other_cents=extra[1],
        other_description=None,
        hourly_rate_cents=hourly,
        rate_per_km_cents=per_km,
    )
    amounts = [line.amount_cents for line in lines]
    assert all(amount > 0 for amount in amounts)
    if not amounts:
        return
    drafts = _drafts(_sheet(amounts, count), rate)
    subtotals = [draft.subtotal_cents for draft in drafts]
    assert sum(subtotals) == sum(amounts)
    assert max(subtotals) - min(subtotals) <= 1


@given(
    amounts=line_amounts,
    count=sharers,
    km=st.integers(min_value=0, max_value=10_000),
    extra=st.lists(cents, min_size=3, max_size=3),
    minutes=st.lists(st.integers(min_value=0, max_value=1440), min_size=2, max_size=2),
)
def test_a_revised_sheet_splits_exactly_for_the_same_people_in_the_same_order(
    amounts: list[int], count: int, km: int, extra: list[int], minutes: list[int]
) -> None:
    """A revision's lines keep the sheet's facilitation time and rates; its drafts add up to
    the cent and go to the same sharers, the leftover cents to the first ones, as before."""
    sheet = msgspec.structs.replace(_sheet(amounts, count), facilitation_minutes=150)
    costs = CostsIn(
        preparation_minutes=minutes[0],
        travel_minutes=minutes[1],
        travel_km=km,
        location_cents=extra[0],
        other_cents=extra[1] + extra[2],
        other_description="Koffie",
    )
    lines = cost_lines.revised_lines(sheet, costs)
    assert lines[0].kind == "facilitation" and lines[0].amount_cents == 31250
    assert lines == cost_lines.cost_lines(
        facilitation_minutes=150,
        **msgspec.structs.asdict(costs),
        hourly_rate_cents=sheet.hourly_rate_cents,
        rate_per_km_cents=sheet.rate_per_km_cents,
    )
    revised = msgspec.structs.replace(
        sheet, lines=lines, total_cents=sum(line.amount_cents for line in lines)
    )
    drafts = _drafts(revised, 21)
    assert [d.person_id for d in drafts] == [p.person_id for p in sheet.participants]
    assert sum(d.subtotal_cents for d in drafts) == revised.total_cents
    assert [d.subtotal_cents for d in drafts] == rules.equal_shares(revised.total_cents, count)
