"""The pure rules of the processing log and retention (``kit.privacy.rules``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import Forbidden, RuleViolation
from services.kit.privacy import processing_log
from services.kit.privacy.retention import KIT_RULES, rules_of
from services.kit.privacy.rules import (
    LEGAL_MINIMUM,
    MAXIMUM,
    UNKNOWN_SETTING,
    Setting,
    check_settings,
    cutoff,
    entry_names_something,
    readable_person,
    refusals,
    role_of,
)

INVOICE_YEARS = Setting(
    name="invoices_years",
    unit="years_after_year_end",
    default=7,
    minimum=7,
    maximum=100,
    description="Years an invoice is kept after the end of the year it was issued.",
    basis="AWR art. 52(4)",
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
)


@given(
    issued=st.dates(date(2000, 1, 1), date(2080, 12, 31)), as_of=moments, years=st.integers(7, 20)
)
def test_an_invoice_is_due_from_the_first_of_january_after_its_years(
    issued: date, as_of: datetime, years: int
) -> None:
    due = datetime(issued.year, issued.month, issued.day, tzinfo=UTC) < cutoff(
        as_of, years, "years_after_year_end"
    )
    assert due == (as_of.date() >= date(issued.year + years + 1, 1, 1))


def test_an_invoice_of_2026_is_kept_through_2033() -> None:
    issued = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert not issued < cutoff(
        datetime(2033, 12, 31, 23, 59, tzinfo=UTC), 7, "years_after_year_end"
    )
    assert issued < cutoff(datetime(2034, 1, 1, tzinfo=UTC), 7, "years_after_year_end")


@given(as_of=moments, value=st.integers(0, 3650))
def test_hours_and_days_go_back_exactly(as_of: datetime, value: int) -> None:
    assert cutoff(as_of, value, "days") == as_of - timedelta(days=value)
    assert cutoff(as_of, value, "hours") == as_of - timedelta(hours=value)


@given(as_of=moments, months=st.integers(0, 600))
def test_months_go_back_by_the_calendar_and_never_forward(as_of: datetime, months: int) -> None:
    back = cutoff(as_of, months, "months")
    assert back <= as_of
    assert (as_of.year * 12 + as_of.month) - (back.year * 12 + back.month) == months
    assert back.day <= as_of.day
    assert cutoff(as_of, months // 12, "years") == cutoff(as_of, 12 * (months // 12), "months")


def test_the_end_of_a_month_goes_back_to_the_end_of_a_shorter_one() -> None:
    assert cutoff(datetime(2026, 3, 31, tzinfo=UTC), 1, "months") == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert cutoff(datetime(2028, 2, 29, tzinfo=UTC), 1, "years") == datetime(
        2027, 2, 28, tzinfo=UTC
    )


def test_a_negative_retention_is_a_fault() -> None:
    with pytest.raises(ValueError):
        cutoff(datetime(2026, 1, 1, tzinfo=UTC), -1, "days")


@given(value=st.integers(-10, 200))
def test_a_setting_is_refused_outside_its_floor_and_maximum(value: int) -> None:
    errors = refusals({"invoices_years": value}, [INVOICE_YEARS])
    if value < 7:
        assert [e.rule for e in errors] == [LEGAL_MINIMUM]
        assert errors[0].field == "body.settings.invoices_years"
        assert "AWR art. 52(4)" in errors[0].message
    elif value > 100:
        assert [e.rule for e in errors] == [MAXIMUM]
    else:
        assert errors == []


def test_every_refused_setting_is_named_at_once() -> None:
    settings = [r.setting for r in KIT_RULES]
    with pytest.raises(RuleViolation) as refused:
        check_settings({"outbox_days": 1, "idempotency_hours": 48, "invoices_years": 7}, settings)
    found = {(e.field, e.rule) for e in refused.value.errors}
    assert found == {
        ("body.settings.outbox_days", LEGAL_MINIMUM),
        ("body.settings.idempotency_hours", MAXIMUM),
        ("body.settings.invoices_years", UNKNOWN_SETTING),
    }


def test_the_kit_keeps_idempotency_records_24_hours_fixed() -> None:
    (idempotency,) = [r.setting for r in KIT_RULES if r.name == "idempotency"]
    assert idempotency.minimum == idempotency.default == idempotency.maximum == 24
    assert idempotency.unit == "hours"


def test_a_setting_whose_default_is_below_its_floor_is_a_fault() -> None:
    with pytest.raises(ValueError):
        Setting(name="x", unit="days", default=1, minimum=7, maximum=9, description="", basis="")


def test_two_rules_of_one_setting_are_a_fault() -> None:
    with pytest.raises(ValueError):
        rules_of(KIT_RULES[:1])


def test_the_role_logged_is_the_one_relied_on() -> None:
    assert role_of(frozenset({"registrar"})) == "registrar"
    assert role_of(frozenset({"registrar", "admin"})) == "admin,registrar"
    assert role_of(frozenset({"registrar", "admin"}), "registrar") == "registrar"
    with pytest.raises(ValueError):
        role_of(frozenset({"registrar"}), "admin")


def test_a_person_reads_only_their_own_entries() -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    assert readable_person(True, None, None) is None
    assert readable_person(True, None, other) == other
    assert readable_person(False, me, None) == me
    assert readable_person(False, me, me) == me
    for own, asked in ((me, other), (None, None), (None, other)):
        with pytest.raises(Forbidden) as refused:
            readable_person(False, own, asked)
        assert refused.value.errors[0].rule == "own_records_only"


def test_an_entry_names_a_person_or_a_scope() -> None:
    with pytest.raises(ValueError):
        entry_names_something(None, None)


def test_a_logged_read_keeps_the_handlers_other_options() -> None:
    opt = processing_log.logged_read({"links": 1})
    assert opt["links"] == 1 and processing_log.is_logged_read(opt)
    assert not processing_log.is_logged_read({"links": 1})


def test_only_a_logged_read_opens_a_get_read_write() -> None:
    logged = processing_log.logged_read()
    assert processing_log.read_mode("GET", {}) == (True, "")
    assert processing_log.read_mode("HEAD", {}) == (True, "")
    assert processing_log.read_mode("GET", logged) == (False, processing_log.ASYNC_COMMIT)
    assert processing_log.read_mode("POST", logged) == (False, "")
    assert processing_log.read_mode("PUT", {}) == (False, "")
