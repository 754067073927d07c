"""The pure rules of attendance: times within the session, absences, signatures, states."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.kit.errors import Conflict, RuleViolation
from services.scheduling.attendance import rules
from services.scheduling.sessions import rules as session_rules
from tests.scheduling.sessions.support import rule_of as _rule_of
from tests.scheduling.sessions.support import span as _span


def test_attendance_times_default_and_must_fit() -> None:
    start, end = _span(0, 2)
    assert rules.check_attendance(
        "present", arrived_at=None, departed_at=None, starts_at=start, ends_at=end
    ) == (start, end)
    assert rules.check_attendance(
        "absent", arrived_at=None, departed_at=None, starts_at=start, ends_at=end
    ) == (None, None)
    cases = [
        ("excused", start, None, "times_only_when_present"),
        ("present", start - timedelta(minutes=1), None, "within_session"),
        ("present", None, end + timedelta(minutes=1), "within_session"),
        (
            "present",
            start + timedelta(hours=1),
            start + timedelta(hours=1),
            "departure_after_arrival",
        ),
    ]
    for status, arrived, departed, broken in cases:
        with pytest.raises(RuleViolation) as exc:
            rules.check_attendance(
                status, arrived_at=arrived, departed_at=departed, starts_at=start, ends_at=end
            )
        assert _rule_of(exc) == broken, (status, arrived, departed)


def test_absences_over_the_limit_warn() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    warnings = rules.absence_warnings({a: 2, b: 1}, max_absences=1)
    assert [(w.rule, w.person_id) for w in warnings] == [("max_absences", a)]
    assert rules.absence_warnings({a: 2}, max_absences=1, only=[b]) == []


def test_missing_signatures_lists_facilitator_then_unconfirmed() -> None:
    f, p, q = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert rules.missing_signatures(
        facilitator_id=f, facilitator_signed=False, present={p: True, q: False}
    ) == [f, q]
    assert (
        rules.missing_signatures(facilitator_id=f, facilitator_signed=True, present={p: True}) == []
    )


def test_state_rules_of_attendance() -> None:
    start, _ = _span(0, 2)
    member, stranger = uuid.uuid4(), uuid.uuid4()
    session_rules.check_movable(has_attendance=False)
    rules.check_member(member, [member])
    session_rules.check_closable(now=start, starts_at=start, unrecorded=[])
    rules.check_may_confirm("present")
    refusals = [
        (lambda: session_rules.check_movable(has_attendance=True), "attendance_recorded"),
        (lambda: rules.check_member(stranger, [member]), "not_a_member"),
        (
            lambda: session_rules.check_closable(
                now=start - timedelta(seconds=1), starts_at=start, unrecorded=[]
            ),
            "session_not_started",
        ),
        (
            lambda: session_rules.check_closable(now=start, starts_at=start, unrecorded=[member]),
            "attendance_incomplete",
        ),
        (lambda: rules.check_may_confirm("absent"), "present_only"),
        (lambda: rules.check_may_confirm(None), "present_only"),
    ]
    for refuse, broken in refusals:
        with pytest.raises((Conflict, RuleViolation)) as exc:
            refuse()
        assert exc.value.errors[0].rule == broken
