"""The pure rules of sessions: local time, RRULE expansion across DST, overlap, durations."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import Conflict, RuleViolation
from services.scheduling.sessions import rules
from tests.scheduling.sessions.support import rule_of as _rule_of
from tests.scheduling.sessions.support import span as _span


def test_wall_time_reads_local_and_converts_offsets() -> None:
    assert rules.wall_time("2026-03-26T19:00", field="f") == datetime(2026, 3, 26, 19)
    # 18:00 UTC in summer time is 20:00 in Amsterdam.
    assert rules.wall_time("2026-06-01T18:00:00Z", field="f") == datetime(2026, 6, 1, 20)
    assert rules.wall_time("2026-01-01T18:00:00+00:00", field="f") == datetime(2026, 1, 1, 19)


@pytest.mark.parametrize(
    ("value", "rule"),
    [("2026-02-30T19:00", "date_time"), ("0001-01-01T00:00", "date_range")],
)
def test_wall_time_refuses_impossible_dates(value: str, rule: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.wall_time(value, field="body.start")
    assert _rule_of(exc) == rule


def test_a_time_the_spring_change_skips_is_refused() -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.localise(datetime(2026, 3, 29, 2, 30), field="body.start")
    assert _rule_of(exc) == "nonexistent_local_time"


def test_the_twice_occurring_autumn_hour_is_its_first_occurrence() -> None:
    aware = rules.localise(datetime(2026, 10, 25, 2, 30), field="f")
    assert aware.utcoffset() == timedelta(hours=2)


def test_quarterly_series_keeps_its_local_time_across_dst() -> None:
    occurrences = rules.expand(
        datetime(2026, 1, 15, 19), datetime(2026, 1, 15, 21, 30), "FREQ=MONTHLY;INTERVAL=3;COUNT=4"
    )
    assert [o.number for o in occurrences] == [1, 2, 3, 4]
    assert [rules.local_text(o.starts_at) for o in occurrences] == [
        "2026-01-15T19:00:00",
        "2026-04-15T19:00:00",
        "2026-07-15T19:00:00",
        "2026-10-15T19:00:00",
    ]
    offsets = [o.starts_at.utcoffset() for o in occurrences]
    assert offsets == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    assert [o.starts_at.astimezone(UTC).hour for o in occurrences] == [18, 17, 17, 17]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2, minutes=30) for o in occurrences)


def test_until_in_utc_is_read_as_rfc_5545_writes_it() -> None:
    occurrences = rules.expand(
        datetime(2026, 3, 1, 19),
        datetime(2026, 3, 1, 21),
        "RRULE:FREQ=WEEKLY;UNTIL=20260315T180000Z",
    )
    assert len(occurrences) == 3


@pytest.mark.parametrize(
    ("rule", "broken"),
    [
        ("FREQ=WEEKLY", "max_occurrences"),
        ("FREQ=WEEKLY;COUNT=53", "max_occurrences"),
        ("FREQ=HOURLY;COUNT=2", "rrule_frequency"),
        ("FREQ=WEEKLY;BYSETPOS=1;COUNT=2", "rrule_part"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "rrule_never_occurs"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=-31", "rrule_never_occurs"),
        ("FREQ=WEEKLY;COUNT=x", "rrule"),
        ("FREQ=WEEKLY;BYDAY=2TH;COUNT=2", "rrule"),
        ("FREQ=WEEKLY;UNTIL=20200101T000000Z", "rrule_never_occurs"),
        ("FREQ", "rrule"),
    ],
)
def test_series_rules_name_the_rule_they_break(rule: str, broken: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.expand(datetime(2026, 1, 5, 19), datetime(2026, 1, 5, 21), rule)
    assert _rule_of(exc) == broken
    assert exc.value.errors[0].field == "body.rrule"


def test_fifty_two_sessions_are_allowed() -> None:
    assert (
        len(rules.expand(datetime(2026, 1, 5), datetime(2026, 1, 5, 2), "FREQ=WEEKLY;COUNT=52"))
        == 52
    )


@pytest.mark.parametrize(
    ("end", "broken"),
    [(datetime(2026, 1, 5, 19), "end_after_start"), (datetime(2026, 1, 6, 8), "max_duration")],
)
def test_a_session_ends_after_it_starts_and_not_too_late(end: datetime, broken: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.expand(datetime(2026, 1, 5, 19), end)
    assert _rule_of(exc) == broken


def test_an_occurrence_in_the_skipped_hour_is_refused() -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.expand(datetime(2026, 3, 22, 2, 30), datetime(2026, 3, 22, 4), "FREQ=WEEKLY;COUNT=2")
    assert _rule_of(exc) == "nonexistent_local_time"


def test_series_overlapping_itself_is_refused() -> None:
    occurrences = rules.expand(
        datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 20), "FREQ=DAILY;COUNT=2"
    )
    assert rules.first_self_overlap(occurrences) is None
    long = rules.expand(datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 20), "FREQ=DAILY;COUNT=3")
    assert rules.first_self_overlap(long) is None
    with pytest.raises(RuleViolation) as exc:
        rules.check_series_overlap(
            [
                rules.Occurrence(1, *_span(0, 3)),
                rules.Occurrence(2, *_span(2, 3)),
            ]
        )
    assert _rule_of(exc) == "series_overlap"


@pytest.mark.parametrize(
    ("mode", "location", "video", "broken"),
    [
        ("in_person", None, None, ["location_required"]),
        ("online", "Utrecht", None, ["video_link_required"]),
        ("hybrid", None, None, ["location_required", "video_link_required"]),
    ],
)
def test_the_mode_asks_for_a_venue(
    mode: str, location: str | None, video: str | None, broken: list[str]
) -> None:
    with pytest.raises(RuleViolation) as exc:
        rules.check_venue(mode, location=location, video_link=video)
    assert [e.rule for e in exc.value.errors] == broken


def test_online_longer_than_two_hours_is_a_warning() -> None:
    start = datetime(2026, 1, 5, 19, tzinfo=UTC)
    assert rules.duration_warnings("online", start, start + timedelta(hours=2)) == []
    (warning,) = rules.duration_warnings("online", start, start + timedelta(hours=2, minutes=1))
    assert warning.rule == "online_max_duration"
    assert rules.duration_warnings("in_person", start, start + timedelta(hours=3)) == []


def test_period_covers_whole_amsterdam_days() -> None:
    start, end = rules.period(date(2026, 3, 29), date(2026, 3, 29))
    assert start is not None and end is not None
    # The spring change day lasts 23 hours.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert rules.period(None, None) == (None, None)
    assert rules.period(date.min, date.max)[1] == rules.period(None, date(2999, 12, 31))[1]


# --- properties ------------------------------------------------------------------------------

local_starts = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@given(
    start=local_starts,
    minutes=st.integers(min_value=15, max_value=12 * 60),
    freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    interval=st.integers(min_value=1, max_value=4),
    count=st.integers(min_value=1, max_value=52),
)
def test_every_occurrence_keeps_the_wall_clock_start_and_length(
    start: datetime, minutes: int, freq: str, interval: int, count: int
) -> None:
    end = start + timedelta(minutes=minutes)
    rule = f"FREQ={freq};INTERVAL={interval};COUNT={count}"
    try:
        occurrences = rules.expand(start, end, rule)
    except RuleViolation as exc:
        # Only a wall time that a spring change skips may refuse a well-formed rule.
        assert exc.errors[0].rule == "nonexistent_local_time"
        return
    assert 1 <= len(occurrences) <= count
    for o in occurrences:
        local_start = o.starts_at.astimezone(rules.AMSTERDAM)
        assert (local_start.hour, local_start.minute) == (start.hour, start.minute)
        wall_length = o.ends_at.astimezone(rules.AMSTERDAM).replace(
            tzinfo=None
        ) - local_start.replace(tzinfo=None)
        assert wall_length == timedelta(minutes=minutes)
    assert [o.starts_at for o in occurrences] == sorted(o.starts_at for o in occurrences)


@given(
    a=st.tuples(st.integers(0, 100), st.integers(1, 50)),
    b=st.tuples(st.integers(0, 100), st.integers(1, 50)),
)
def test_overlap_is_symmetric_and_half_open(a: tuple[int, int], b: tuple[int, int]) -> None:
    a_start, a_end = _span(a[0], a[1])
    b_start, b_end = _span(b[0], b[1])
    assert rules.overlaps(a_start, a_end, b_start, b_end) == rules.overlaps(
        b_start, b_end, a_start, a_end
    )
    assert not rules.overlaps(a_start, a_end, a_end, a_end + timedelta(hours=1))
    expected = max(a[0], b[0]) < min(a[0] + a[1], b[0] + b[1])
    assert rules.overlaps(a_start, a_end, b_start, b_end) == expected


@pytest.mark.parametrize(
    ("status", "wanted", "broken"),
    [
        ("closed", "planned", "session_closed"),
        ("cancelled", "planned", "session_cancelled"),
        ("planned", "closed", "session_not_closed"),
        ("cancelled", "closed", "session_cancelled"),
    ],
)
def test_each_status_refuses_with_its_rule(status: str, wanted: str, broken: str) -> None:
    rules.check_status(uuid.uuid4(), wanted, wanted=wanted)
    with pytest.raises(Conflict) as exc:
        rules.check_status(uuid.uuid4(), status, wanted=wanted)
    assert exc.value.errors[0].rule == broken


def _clash(*, disclosed: bool) -> rules.Clash:
    return rules.Clash(
        person_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        starts_at=datetime(2025, 1, 14, 18, 0, tzinfo=UTC),
        ends_at=datetime(2025, 1, 14, 20, 30, tzinfo=UTC),
        disclosed=disclosed,
    )


def test_a_double_booking_names_the_other_session_to_who_may_read_it() -> None:
    clash = _clash(disclosed=True)
    conflict = rules.double_booked(3, clash, series=True)
    assert conflict.errors[0].rule == "double_booking"
    assert conflict.extra == {
        "session_id": str(clash.session_id),
        "person_id": str(clash.person_id),
        "starts_at": "2025-01-14T19:00:00+01:00",
        "ends_at": "2025-01-14T21:30:00+01:00",
        "occurrence": 3,
    }
    assert str(clash.session_id) in conflict.detail
    assert "2025-01-14 19:00 to 21:30 (Europe/Amsterdam)" in conflict.errors[0].message


def test_a_double_booking_tells_anyone_else_when_but_not_which_session() -> None:
    clash = _clash(disclosed=False)
    conflict = rules.double_booked(1, clash)
    assert "session_id" not in conflict.extra
    assert conflict.extra["starts_at"] == "2025-01-14T19:00:00+01:00"
    text = " ".join([conflict.detail, *(e.message for e in conflict.errors)])
    assert str(clash.session_id) not in text
    assert "another session, 2025-01-14 19:00 to 21:30" in conflict.errors[0].message


def test_a_clash_over_midnight_names_both_days() -> None:
    clash = rules.Clash(
        person_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        starts_at=datetime(2025, 6, 1, 21, 0, tzinfo=UTC),
        ends_at=datetime(2025, 6, 1, 23, 0, tzinfo=UTC),
        disclosed=False,
    )
    assert clash.when() == "2025-06-01 23:00 to 2025-06-02 01:00 (Europe/Amsterdam)"


@given(
    minutes=st.integers(min_value=1, max_value=12 * 60),
    mode=st.sampled_from(["in_person", "online", "hybrid"]),
)
def test_only_online_sessions_over_two_hours_warn(minutes: int, mode: str) -> None:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=rules.AMSTERDAM)  # spans the spring change
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(rules.AMSTERDAM)
    warnings = rules.duration_warnings(mode, start, end)
    assert bool(warnings) == (mode == "online" and minutes > 120)


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)
    )
)
def test_wall_text_is_the_wall_time_isoformat_writes(instant: datetime) -> None:
    """Formatted from its fields, an Amsterdam instant's wall time is what ``isoformat`` writes
    of it without its zone: seconds and microseconds when it has them, the LMT years too."""
    local = rules.local(instant)
    assert rules.wall_text(local) == local.replace(tzinfo=None).isoformat()
    assert rules.local_text(instant) == rules.wall_text(local)
    # What a session shows, remembered by instant, is the same whatever zone it came in.
    for same_instant in (instant, instant.astimezone(rules.AMSTERDAM), local):
        shown, wall = rules.shown(same_instant)
        assert (shown, shown.utcoffset(), wall) == (
            local,
            local.utcoffset(),
            rules.wall_text(local),
        )
        assert shown.tzinfo is rules.AMSTERDAM


def test_instants_that_share_a_memo_key_are_each_shown_as_themselves() -> None:
    """The memo's key, POSIX time as a float, is one for microseconds apart in a far year."""
    first = datetime(2999, 6, 1, 12, 0, 0, 2, tzinfo=UTC)
    second = first + timedelta(microseconds=1)
    assert first.timestamp() == second.timestamp()
    for instant in (first, second, first, second):
        shown, wall = rules.shown(instant)
        assert shown == instant and wall == rules.local(instant).replace(tzinfo=None).isoformat()


def test_the_memo_of_shown_instants_stays_bounded() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minutes in range(rules.SHOWN_REMEMBERED + 10):
        rules.shown(start + timedelta(minutes=minutes))
    assert len(rules._shown) <= rules.SHOWN_REMEMBERED
