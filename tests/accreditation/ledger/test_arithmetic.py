"""Property-based tests of the ledger's arithmetic: conversion, cycles and caps."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.accreditation.ledger import rules
from services.accreditation.registers.schemas import RuleSpec

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
centi = st.integers(min_value=0, max_value=100_000)
caps = st.none() | st.integers(min_value=0, max_value=100_000)
specs = st.builds(
    RuleSpec,
    unit=st.sampled_from(["hours", "points"]),
    points_centi_per_hour=st.integers(min_value=0, max_value=10_000),
    minutes_granularity=st.integers(min_value=1, max_value=60),
    max_counted_minutes_per_session=st.none() | st.integers(min_value=1, max_value=1440),
)


@given(days, days, st.integers(min_value=1, max_value=10))
def test_a_day_lies_in_its_cycle(day: date, anchor: date, years: int) -> None:
    start, end = rules.cycle_containing(day, anchor=anchor, years=years)
    assert start <= day <= end
    assert 365 * years - 3 <= (end - start).days + 1 <= 366 * years + 3


@given(days, days, st.integers(min_value=1, max_value=10))
def test_cycles_tile_time(day: date, anchor: date, years: int) -> None:
    """The day after a cycle ends starts the next one: no gaps, no overlaps."""
    start, end = rules.cycle_containing(day, anchor=anchor, years=years)
    after = rules.cycle_containing(end + timedelta(days=1), anchor=anchor, years=years)
    assert after[0] == end + timedelta(days=1)
    assert rules.cycle_containing(start, anchor=anchor, years=years) == (start, end)


@given(days, st.integers(min_value=1, max_value=10))
def test_the_anchor_starts_a_cycle(anchor: date, years: int) -> None:
    assert rules.cycle_containing(anchor, anchor=anchor, years=years)[0] == anchor


@given(st.integers(min_value=0, max_value=1440), specs)
def test_counted_minutes_never_exceed_attendance_or_the_session_cap(
    attended: int, spec: RuleSpec
) -> None:
    counted = rules.counted_minutes(attended, spec)
    assert 0 <= counted <= attended
    assert counted % spec.minutes_granularity == 0
    if spec.max_counted_minutes_per_session is not None:
        assert counted <= spec.max_counted_minutes_per_session


@given(st.integers(min_value=0, max_value=1440), st.integers(min_value=0, max_value=1440), specs)
def test_points_grow_with_minutes_and_are_exact_per_hour(a: int, b: int, spec: RuleSpec) -> None:
    low, high = sorted((a, b))
    assert rules.points_centi(low, spec) <= rules.points_centi(high, spec)
    assert rules.points_centi(60 * (low // 60), spec) == (low // 60) * spec.points_centi_per_hour


@given(st.lists(st.tuples(days, centi), max_size=30), caps, caps)
def test_caps_bound_the_total_and_never_add(
    entries: list[tuple[date, int]], per_year: int | None, per_cycle: int | None
) -> None:
    capped = rules.apply_caps(entries, cap_per_year_centi=per_year, cap_per_cycle_centi=per_cycle)
    assert capped.raw_centi == sum(c for _, c in entries)
    assert 0 <= capped.counted_centi <= capped.raw_centi
    if per_cycle is not None:
        assert capped.counted_centi <= per_cycle
    if per_year is not None:
        years = {d.year for d, _ in entries}
        assert capped.counted_centi <= per_year * len(years)
    if not capped.caps:
        assert capped.counted_centi == capped.raw_centi
    for cap in capped.caps:
        assert cap.after_centi < cap.before_centi


@given(st.lists(st.tuples(days, centi), max_size=30), caps, caps, st.tuples(days, centi))
def test_another_entry_never_lowers_the_counted_total(
    entries: list[tuple[date, int]],
    per_year: int | None,
    per_cycle: int | None,
    extra: tuple[date, int],
) -> None:
    before = rules.apply_caps(entries, cap_per_year_centi=per_year, cap_per_cycle_centi=per_cycle)
    after = rules.apply_caps(
        [*entries, extra], cap_per_year_centi=per_year, cap_per_cycle_centi=per_cycle
    )
    assert after.counted_centi >= before.counted_centi


@given(st.lists(st.tuples(days, centi), min_size=1, max_size=30), caps, caps)
def test_a_credit_and_its_reversal_change_nothing(
    entries: list[tuple[date, int]], per_year: int | None, per_cycle: int | None
) -> None:
    day, amount = entries[0]
    before = rules.apply_caps(entries, cap_per_year_centi=per_year, cap_per_cycle_centi=per_cycle)
    after = rules.apply_caps(
        [*entries, (day, amount), (day, -amount)],
        cap_per_year_centi=per_year,
        cap_per_cycle_centi=per_cycle,
    )
    assert after.counted_centi == before.counted_centi
