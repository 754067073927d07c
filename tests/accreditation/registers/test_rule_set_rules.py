"""The pure rules a new rule-set version meets: consistent limits, no overlap, and an override
that changes only the catalogue's uncertain figures."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from services.accreditation.registers.rules import (
    FREE_IN_OVERRIDE,
    override_errors,
    rule_spec_errors,
)
from services.accreditation.registers.schemas import RuleSpec
from tests.accreditation.snapshots import catalogue_rules

CATALOGUE = catalogue_rules()
START = date(2000, 1, 1)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_version_is_consistent(code: str) -> None:
    assert rule_spec_errors(CATALOGUE[code], valid_from=START, latest_valid_from=None) == []


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_the_catalogue_itself_is_a_valid_override(code: str) -> None:
    assert override_errors(CATALOGUE[code], CATALOGUE[code]) == []


def _changed(spec: RuleSpec, name: str) -> RuleSpec:
    value = getattr(spec, name)
    if isinstance(value, bool):
        new: object = not value
    elif isinstance(value, int):
        new = value + 1
    elif value is None:
        new = 1
    elif isinstance(value, date):
        new = date(value.year + 1, 1, 1)
    elif isinstance(value, list):
        new = [*value, "XYZ"] if name == "facilitator_recognitions" else [*value, "group_min"]
    else:
        new = "points" if value == "hours" else "hours" if name == "unit" else "other"
    if name == "cycle_alignment":
        new = "fixed" if value != "fixed" else "calendar_year"
    return msgspec.structs.replace(spec, **{name: new})


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_an_override_may_change_the_uncertain_figures_and_nothing_else(code: str) -> None:
    spec = CATALOGUE[code]
    for name in RuleSpec.__struct_fields__:
        errors = override_errors(_changed(spec, name), spec)
        if name in spec.uncertain or name in FREE_IN_OVERRIDE:
            assert errors == [], name
        else:
            assert [(e.field, e.rule) for e in errors] == [
                (f"body.rules.{name}", "certain_figure")
            ], name


@pytest.mark.parametrize(
    ("valid_from", "latest", "refused"),
    [
        (date(2024, 7, 2), date(2024, 7, 1), False),
        (date(2024, 7, 1), date(2024, 7, 1), True),
        (date(2024, 6, 30), date(2024, 7, 1), True),
        (date(1999, 1, 1), None, False),
    ],
)
def test_a_version_starts_after_the_latest(
    valid_from: date, latest: date | None, refused: bool
) -> None:
    errors = rule_spec_errors(
        RuleSpec(unit="hours"), valid_from=valid_from, latest_valid_from=latest
    )
    assert [(e.field, e.rule) for e in errors] == (
        [("body.valid_from", "after_latest_version")] if refused else []
    )


@pytest.mark.parametrize(
    ("required", "per_cycle", "per_year", "years", "refused"),
    [
        (1800, 1800, None, 3, False),
        (1800, 1799, None, 3, True),
        (1800, None, 600, 3, False),
        (1800, None, 599, 3, True),
        (1800, 3400, 400, 3, True),
        (1800, None, None, 3, False),
    ],
)
def test_a_requirement_above_the_cycles_caps_is_impossible(
    required: int, per_cycle: int | None, per_year: int | None, years: int, refused: bool
) -> None:
    spec = RuleSpec(
        unit="points",
        required_points_centi_per_cycle=required,
        cap_per_cycle_centi=per_cycle,
        cap_per_year_centi=per_year,
        cycle_years=years,
    )
    errors = rule_spec_errors(spec, valid_from=START, latest_valid_from=None)
    assert [e.rule for e in errors] == (["within_cycle_cap"] if refused else [])
