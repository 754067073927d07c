"""The eligibility engine against every seeded register's rules, table-driven."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from services.accreditation.ledger import rules
from services.accreditation.principal import Principal
from services.accreditation.registers.schemas import RuleSpec
from tests.accreditation.snapshots import attendee, parsed, registration, seed_rules, session

SEEDS = seed_rules()
REGISTERED_ON = "2023-06-15"


def verdict(code: str, **options: Any) -> rules.Eligible | rules.Refused:
    """Judge the first attendee of a session against ``code``'s seeded rules."""
    peers = options.pop("peers", 0)
    registered_on = options.pop("registered_on", REGISTERED_ON)
    presence = options.pop("presence", "present")
    extra = options.pop("attendee", {})
    reg = registration(code, registered_on=registered_on) if registered_on else registration(code)
    people = [attendee(reg, presence=presence, **extra)]
    people += [attendee(registration(code, f"9{i:07d}")) for i in range(peers)]
    snapshot = parsed(session(*people, **options))
    return rules.judge(
        snapshot,
        snapshot.attendees[0],
        snapshot.attendees[0].registrations[0],
        register_code=code,
        rules=SEEDS[code],
        peers_registered=rules.peers_registered(snapshot, code),
    )


def reasons(result: rules.Eligible | rules.Refused) -> set[str]:
    assert isinstance(result, rules.Refused), result
    return {reason.rule for reason in result.reasons}


def test_every_catalogue_register_has_seeded_rules() -> None:
    assert set(SEEDS) == {"SKJ", "NOVA", "MFN", "NIP", "NVO", "VAKTHERAPIE", "VVN", "NBA"}


# code, session options, expected minutes and points (hundredths), or the refusal rules
CASES: list[tuple[str, str, dict[str, Any], tuple[int, int] | set[str]]] = [
    # SKJ: at least 1 h, face-to-face only, a recognised begeleider, cycles from registration
    ("SKJ", "a 2.5 h session counts", {"minutes": 150}, (150, 250)),
    ("SKJ", "exactly 1 h counts", {"minutes": 60}, (60, 100)),
    ("SKJ", "59 min is too short", {"minutes": 59}, {"min_session_minutes"}),
    ("SKJ", "online does not count", {"mode": "online"}, {"online"}),
    ("SKJ", "an unrecognised begeleider", {"recognitions": ["NOVA"]}, {"facilitator_recognition"}),
    ("SKJ", "no registration date", {"registered_on": None}, {"registered_on"}),
    # NOvA: 2-4 h continuous, group 3-10, NOvA gespreksleider
    ("NOVA", "a 2.5 h session counts", {"minutes": 150}, (150, 250)),
    ("NOVA", "at most 4 h of a day count", {"minutes": 300}, (240, 400)),
    ("NOVA", "1 h 59 is too short", {"minutes": 119}, {"min_session_minutes"}),
    ("NOVA", "a group of 2 is too small", {"group_size": 2}, {"group_min"}),
    ("NOVA", "a group of 11 is too large", {"group_size": 11}, {"group_max"}),
    ("NOVA", "the group bounds are inclusive", {"group_size": 10}, (150, 250)),
    (
        "NOVA",
        "a gespreksleider without NOvA",
        {"recognitions": ["NIP"]},
        {"facilitator_recognition"},
    ),
    ("NOVA", "online counts", {"mode": "online"}, (150, 250)),
    # MfN: meetings of 2 h, at least 5 mediators of whom 3 MfN
    ("MFN", "5 people, 3 MfN", {"peers": 2, "group_size": 5}, (150, 250)),
    ("MFN", "only 2 MfN mediators", {"peers": 1, "group_size": 5}, {"min_peers_with_registration"}),
    ("MFN", "a group of 4", {"peers": 3, "group_size": 4}, {"group_min"}),
    ("MFN", "1.5 h is too short", {"peers": 2, "minutes": 90}, {"min_session_minutes"}),
    (
        "MFN",
        "a fixed period needs no registration date",
        {"peers": 2, "registered_on": None},
        (150, 250),
    ),
    # NIP: no minimum length, no facilitator requirement
    ("NIP", "a 45 min session counts", {"minutes": 45}, (45, 75)),
    ("NIP", "online counts", {"mode": "online"}, (150, 250)),
    ("NIP", "any facilitator", {"recognitions": []}, (150, 250)),
    # NVO
    ("NVO", "a 2 h session counts", {"minutes": 120}, (120, 200)),
    ("NVO", "no registration date", {"registered_on": None}, {"registered_on"}),
    # Register Vaktherapie: group 3-8, at least 1 h
    ("VAKTHERAPIE", "a group of 8 counts", {"group_size": 8}, (150, 250)),
    ("VAKTHERAPIE", "a group of 9 is too large", {"group_size": 9}, {"group_max"}),
    ("VAKTHERAPIE", "a group of 2 is too small", {"group_size": 2}, {"group_min"}),
    ("VAKTHERAPIE", "50 min is too short", {"minutes": 50}, {"min_session_minutes"}),
    # V&VN: self-declared, no bounds
    ("VVN", "a 2.5 h session counts", {}, (150, 250)),
    # every register: absent is not present
    ("NIP", "absent", {"presence": "absent"}, {"presence"}),
    (
        "NIP",
        "registered after the session",
        {"registered_on": "2026-04-01"},
        {"registered_on_after_session"},
    ),
]


@pytest.mark.parametrize(
    ("code", "options", "expected"),
    [
        pytest.param(code, options, expected, id=f"{code}: {name}")
        for code, name, options, expected in CASES
    ],
)
def test_seeded_register(code: str, options: dict[str, Any], expected: Any) -> None:
    result = verdict(code, **options)
    if isinstance(expected, set):
        assert reasons(result) == expected
    else:
        assert isinstance(result, rules.Eligible), result
        assert (result.minutes, result.points_centi) == expected


def test_every_reason_is_given_at_once() -> None:
    result = verdict("NOVA", minutes=60, group_size=12, mode="online", recognitions=[])
    assert reasons(result) == {"min_session_minutes", "group_max", "facilitator_recognition"}
    assert all(r.message for r in result.reasons)  # type: ignore[union-attr]


def test_attendance_counts_only_the_part_attended() -> None:
    snapshot = session(attendee(registration("NIP", registered_on=REGISTERED_ON)))
    start = snapshot["started_at"]
    snapshot["attendees"][0]["arrived_at"] = start.replace("13:00:00", "13:30:00")
    parsed_ = parsed(snapshot)
    result = rules.judge(
        parsed_,
        parsed_.attendees[0],
        parsed_.attendees[0].registrations[0],
        register_code="NIP",
        rules=SEEDS["NIP"],
        peers_registered=1,
    )
    assert isinstance(result, rules.Eligible)
    assert result.minutes == 120


def test_arriving_late_below_the_minimum_is_refused() -> None:
    start = "2024-03-10T13:00:00+00:00"
    result = verdict("SKJ", minutes=90, attendee={"arrived_at": start.replace("13:00", "13:40")})
    assert reasons(result) == {"min_attendance_minutes"}


@pytest.mark.parametrize(
    ("code", "day", "cycle"),
    [
        ("NOVA", date(2026, 3, 10), (date(2026, 1, 1), date(2026, 12, 31))),
        ("NBA", date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
        ("MFN", date(2026, 3, 10), (date(2025, 1, 1), date(2027, 12, 31))),
        ("MFN", date(2024, 12, 31), (date(2022, 1, 1), date(2024, 12, 31))),
        ("SKJ", date(2026, 3, 10), (date(2023, 6, 15), date(2028, 6, 14))),
        ("NIP", date(2028, 6, 15), (date(2028, 6, 15), date(2033, 6, 14))),
    ],
)
def test_cycles_follow_each_registers_alignment(
    code: str, day: date, cycle: tuple[date, date]
) -> None:
    result = verdict(code, day=day, peers=2)
    assert isinstance(result, rules.Eligible), result
    assert (result.cycle_start, result.cycle_end) == cycle


def test_nova_caps_intervisie_at_4_points_a_year() -> None:
    capped = rules.apply_caps(
        [(date(2026, 2, 1), 250), (date(2026, 5, 1), 250), (date(2026, 9, 1), 250)],
        cap_per_year_centi=SEEDS["NOVA"].cap_per_year_centi,
        cap_per_cycle_centi=SEEDS["NOVA"].cap_per_cycle_centi,
    )
    assert (capped.raw_centi, capped.counted_centi) == (750, 400)
    assert [(c.rule, c.year, c.before_centi, c.after_centi) for c in capped.caps] == [
        ("cap_per_year", 2026, 750, 400)
    ]


def test_mfn_caps_intervisie_at_34_points_a_period() -> None:
    entries = [(date(2025 + i // 6, 1 + i % 6, 1), 300) for i in range(14)]  # 42 points
    capped = rules.apply_caps(
        entries,
        cap_per_year_centi=SEEDS["MFN"].cap_per_year_centi,
        cap_per_cycle_centi=SEEDS["MFN"].cap_per_cycle_centi,
    )
    assert (capped.raw_centi, capped.counted_centi) == (4200, 3400)
    assert [c.rule for c in capped.caps] == ["cap_per_cycle"]


def test_reversals_count_against_a_cap() -> None:
    capped = rules.apply_caps(
        [(date(2026, 2, 1), 300), (date(2026, 3, 1), 300), (date(2026, 3, 1), -300)],
        cap_per_year_centi=400,
        cap_per_cycle_centi=None,
    )
    assert (capped.raw_centi, capped.counted_centi, capped.caps) == (300, 300, [])


def test_conversion_and_granularity_are_data() -> None:
    spec = RuleSpec(unit="points", points_centi_per_hour=150, minutes_granularity=15)
    assert rules.counted_minutes(70, spec) == 60
    assert rules.points_centi(60, spec) == 150
    assert rules.points_centi(50, spec) == 125


def test_snapshot_errors_name_each_field() -> None:
    body = session(attendee(registration("NIP")), attendee(registration("NIP")))
    body["ended_at"] = body["started_at"]
    body["attendees"][1]["person_id"] = body["attendees"][0]["person_id"]
    body["group_size"] = 1
    errors = rules.snapshot_errors(parsed(body), today=date(2026, 11, 23))
    assert {(e.field, e.rule) for e in errors} == {
        ("body.ended_at", "after_start"),
        ("body.attendees[1].person_id", "unique"),
        ("body.group_size", "covers_attendees"),
    }


def test_a_closed_session_does_not_lie_in_the_future() -> None:
    body = session(attendee(registration("NIP")), day=date(2026, 11, 24))
    errors = rules.snapshot_errors(parsed(body), today=date(2026, 11, 23))
    assert [(e.field, e.rule) for e in errors] == [("body.date", "not_in_future")]


def test_moments_out_of_range_are_refused_before_any_arithmetic() -> None:
    body = session(attendee(registration("NIP")))
    body["ended_at"] = "9999-12-31T23:59:59+00:00"
    body["attendees"][0]["arrived_at"] = "0001-01-01T00:00:00+01:00"
    errors = rules.snapshot_errors(parsed(body), today=date(2026, 11, 23))
    assert [(e.field, e.rule) for e in errors] == [
        ("body.ended_at", "range"),
        ("body.attendees[0].arrived_at", "range"),
    ]


def test_who_reads_a_persons_ledger() -> None:
    anna = uuid.uuid4()

    def caller(*roles: str, person: uuid.UUID | None = None) -> Principal:
        return Principal(subject="t", org_id=uuid.uuid4(), roles=frozenset(roles), person=person)

    assert rules.may_read_person(caller("admin"), anna)
    assert rules.may_read_person(caller("participant", person=anna), anna)
    for outsider in (caller("service"), caller("hr"), caller("participant", person=uuid.uuid4())):
        assert not rules.may_read_person(outsider, anna), "a service records, it never reads"
