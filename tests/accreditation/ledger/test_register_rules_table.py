"""Every register rule of the domain notes (DOMAIN.md, "Accreditation: what registers count"),
one row each, judged by the pure engine against the catalogue's rules in force (version 1 as
seeded, or its correction in revision 0006).

Each row names its source: the words of the DOMAIN.md row it checks. Not judged per session,
so not here: SKJ's "no hierarchy" (not in a snapshot) and self-declaration (`self_declared`,
below); NOvA's short, non-substantive description (scheduling); MfN's 3 meetings of 2 h per
12 months (totals and progress); NIP's written report and Vaktherapie's signed agreement
(evidence rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from services.accreditation.ledger import rules
from services.accreditation.outcomes.rules import unjudged_status
from tests.accreditation.snapshots import (
    attendee,
    catalogue_rules,
    parsed,
    registration,
    session,
)

CATALOGUE = catalogue_rules()
REGISTERED_ON = "2023-06-15"
DAY = date(2024, 3, 10)


@dataclass(frozen=True)
class Given:
    """A session as the row describes it; the person judged is the first attendee."""

    minutes: int = 150
    mode: str = "in_person"
    joined: str | None = None
    group_size: int | None = None
    recognitions: list[str] | None = None
    roles: list[dict[str, str]] | None = None
    registered_on: str | None = REGISTERED_ON
    present_peers: int = 0
    """Others present with a registration in the same register."""
    present_others: int = 0
    """Others present without one (mediators of another register, say)."""
    absent_peers: int = 0
    presence: str = "present"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    source: str
    """The rule as DOMAIN.md states it."""
    code: str
    case: str
    given: Given
    expected: tuple[int, int] | set[str]
    """Counted minutes and points (hundredths), or the rules that refuse."""


def judged(code: str, given: Given) -> rules.Eligible | rules.Refused:
    reg = registration(code, registered_on=given.registered_on)
    if given.registered_on is None:
        reg = registration(code)
    joined = {"joined": given.joined} if given.joined else {}
    people = [attendee(reg, presence=given.presence, **joined, **given.extra)]
    people += [attendee(registration(code, f"9{i:07d}")) for i in range(given.present_peers)]
    people += [attendee() for _ in range(given.present_others)]
    people += [
        attendee(registration(code, f"8{i:07d}"), presence="absent")
        for i in range(given.absent_peers)
    ]
    body = session(
        *people,
        day=DAY,
        minutes=given.minutes,
        mode=given.mode,
        group_size=given.group_size,
        recognitions=given.recognitions,
    )
    if given.roles is not None:
        body["facilitator"]["roles"] = given.roles
    snapshot = parsed(body)
    return rules.judge(
        snapshot,
        snapshot.attendees[0],
        snapshot.attendees[0].registrations[0],
        register_code=code,
        rules=CATALOGUE[code],
        peers_registered=rules.peers_registered(snapshot, code),
    )


def role(register: str, name: str) -> dict[str, str]:
    return {"register": register, "role": name}


SKJ_CONTACT = "SKJ: only face-to-face contact hours"
SKJ_HYBRID = "SKJ: an attendee who joins a hybrid session online does not count"
SKJ_ITSELF = "SKJ: led by a begeleider recognised by SKJ itself"
SKJ_SUPERVISOR = (
    "SKJ: or, for the reflectieverklaring, a supervisor registered with LVSC, VGCT, NIP, NVO "
    "or NVRG"
)
NOVA_DAY = "NOvA: each day 2-4 h continuous; 1 non-legal point per hour"
NOVA_GROUP = "NOvA: group 3-10"
NOVA_ROLE = (
    "NOvA: a gespreksleider registered with NOvA in that role (not merely a NOvA-registered lawyer)"
)
MFN_PRESENT = "MfN: at least 5 mediators present at the meeting (not merely in the group)"
MFN_OF_WHOM = "MfN: of whom at least 3 MfN"
VAK_GROUP = "Register Vaktherapie: group 3-8"

ROWS: list[Row] = [
    # SKJ
    Row("SKJ: sessions >= 1 h", "SKJ", "exactly 1 h counts", Given(minutes=60), (60, 100)),
    Row("SKJ: sessions >= 1 h", "SKJ", "59 min", Given(minutes=59), {"min_session_minutes"}),
    Row(SKJ_CONTACT, "SKJ", "an online session", Given(mode="online"), {"online"}),
    Row(SKJ_CONTACT, "SKJ", "in person counts", Given(), (150, 250)),
    Row(SKJ_HYBRID, "SKJ", "joined a hybrid session online", Given(joined="online"), {"online"}),
    Row(
        SKJ_HYBRID, "SKJ", "in the room of a hybrid session", Given(joined="in_person"), (150, 250)
    ),
    Row(SKJ_ITSELF, "SKJ", "recognised by SKJ", Given(recognitions=["SKJ"]), (150, 250)),
    *(
        Row(SKJ_SUPERVISOR, "SKJ", f"a {body} supervisor", Given(recognitions=[body]), (150, 250))
        for body in ("LVSC", "VGCT", "NIP", "NVO", "NVRG")
    ),
    Row(
        SKJ_SUPERVISOR,
        "SKJ",
        "recognised by NOvA only",
        Given(recognitions=["NOVA"]),
        {"facilitator_recognition"},
    ),
    Row(
        "SKJ: a missing registration date is a fact that arrives later",
        "SKJ",
        "no registration date",
        Given(registered_on=None),
        {"registered_on"},
    ),
    # NOvA
    Row(NOVA_DAY, "NOVA", "2.5 h: 2.5 points", Given(), (150, 250)),
    Row(NOVA_DAY, "NOVA", "at most 4 h of a day count", Given(minutes=300), (240, 400)),
    Row(NOVA_DAY, "NOVA", "1 h 59", Given(minutes=119), {"min_session_minutes"}),
    Row(NOVA_GROUP, "NOVA", "a group of 2", Given(group_size=2), {"group_min"}),
    Row(NOVA_GROUP, "NOVA", "a group of 3", Given(group_size=3), (150, 250)),
    Row(NOVA_GROUP, "NOVA", "a group of 10", Given(group_size=10), (150, 250)),
    Row(NOVA_GROUP, "NOVA", "a group of 11", Given(group_size=11), {"group_max"}),
    Row(
        NOVA_ROLE,
        "NOVA",
        "a NOvA gespreksleider",
        Given(recognitions=["NOVA"], roles=[role("NOVA", "gespreksleider")]),
        (150, 250),
    ),
    Row(
        NOVA_ROLE,
        "NOVA",
        "the role as written (Gespreksleider)",
        Given(recognitions=["NOVA"], roles=[role("NOVA", "Gespreksleider")]),
        (150, 250),
    ),
    Row(
        NOVA_ROLE,
        "NOVA",
        "recognised by NOvA only as a member",
        Given(recognitions=["NOVA"], roles=[role("NOVA", "lid")]),
        {"facilitator_role"},
    ),
    Row(
        NOVA_ROLE,
        "NOVA",
        "recognised by NOvA, no role known",
        Given(recognitions=["NOVA"], roles=[]),
        {"facilitator_role"},
    ),
    Row(
        NOVA_ROLE,
        "NOVA",
        "a gespreksleider of another body",
        Given(recognitions=["NIP"], roles=[role("NIP", "gespreksleider")]),
        {"facilitator_recognition"},
    ),
    Row("NOvA: online (uncertain)", "NOVA", "online counts", Given(mode="online"), (150, 250)),
    # MfN
    Row(
        MFN_PRESENT,
        "MFN",
        "4 of 8 present",
        Given(group_size=8, present_peers=3, absent_peers=4),
        {"min_present"},
    ),
    Row(
        MFN_PRESENT,
        "MFN",
        "5 of 8 present",
        Given(group_size=8, present_peers=4, absent_peers=3),
        (150, 250),
    ),
    Row(
        MFN_OF_WHOM,
        "MFN",
        "5 present, 3 MfN",
        Given(group_size=5, present_peers=2, present_others=2),
        (150, 250),
    ),
    Row(
        MFN_OF_WHOM,
        "MFN",
        "5 present, 2 MfN (2 more MfN absent)",
        Given(group_size=7, present_peers=1, present_others=3, absent_peers=2),
        {"min_peers_with_registration"},
    ),
    Row(
        "MfN: meetings of 2 h",
        "MFN",
        "2 h counts",
        Given(minutes=120, present_peers=4),
        (120, 200),
    ),
    Row(
        "MfN: meetings of 2 h",
        "MFN",
        "1 h 59",
        Given(minutes=119, present_peers=4),
        {"min_session_minutes"},
    ),
    Row(
        "MfN: 48 points per fixed 3-year period",
        "MFN",
        "a fixed period needs no registration date",
        Given(present_peers=4, registered_on=None),
        (150, 250),
    ),
    # NIP, NVO
    Row("NIP: >= 40 h intervisie", "NIP", "45 min count", Given(minutes=45), (45, 75)),
    Row("NIP: >= 40 h intervisie", "NIP", "online counts", Given(mode="online"), (150, 250)),
    Row("NIP: >= 40 h intervisie", "NIP", "any facilitator", Given(recognitions=[]), (150, 250)),
    Row("NVO: >= 40 h intervisie and/or supervisie", "NVO", "2 h", Given(minutes=120), (120, 200)),
    Row(
        "NVO: 120 per 5 years (cycles from registration)",
        "NVO",
        "no registration date",
        Given(registered_on=None),
        {"registered_on"},
    ),
    # Register Vaktherapie
    Row(VAK_GROUP, "VAKTHERAPIE", "a group of 2", Given(group_size=2), {"group_min"}),
    Row(VAK_GROUP, "VAKTHERAPIE", "a group of 3", Given(group_size=3), (150, 250)),
    Row(VAK_GROUP, "VAKTHERAPIE", "a group of 8", Given(group_size=8), (150, 250)),
    Row(VAK_GROUP, "VAKTHERAPIE", "a group of 9", Given(group_size=9), {"group_max"}),
    Row(
        "Register Vaktherapie: session >= 1 h",
        "VAKTHERAPIE",
        "50 min",
        Given(minutes=50),
        {"min_session_minutes"},
    ),
    # V&VN, NBA
    Row(
        "V&VN: intervisie is a self-declared category with caps (uncertain)",
        "VVN",
        "counts as declared",
        Given(),
        (150, 250),
    ),
    Row(
        "NBA: output-based, no hour norm; intervisie allowed in the portfolio",
        "NBA",
        "any length counts",
        Given(minutes=30),
        (30, 50),
    ),
    # every register
    Row(
        "every register: hours of those present",
        "NIP",
        "absent",
        Given(presence="absent"),
        {"presence"},
    ),
]


@pytest.mark.parametrize("row", [pytest.param(r, id=f"{r.code}: {r.case}") for r in ROWS])
def test_register_rule(row: Row) -> None:
    result = judged(row.code, row.given)
    if isinstance(row.expected, set):
        assert isinstance(result, rules.Refused), (row.source, result)
        assert {reason.rule for reason in result.reasons} == row.expected, row.source
        assert all(reason.message for reason in result.reasons)
    else:
        assert isinstance(result, rules.Eligible), (row.source, result)
        assert (result.minutes, result.points_centi) == row.expected, row.source


def test_every_catalogue_register_has_rows() -> None:
    assert {row.code for row in ROWS} == set(CATALOGUE)


def test_a_missing_registration_date_waits_it_is_not_lost() -> None:
    result = judged("SKJ", Given(registered_on=None))
    assert isinstance(result, rules.Refused)
    assert unjudged_status(result.reasons) == "pending"


def test_a_hybrid_attendee_online_is_refused_with_the_rule_named() -> None:
    result = judged("SKJ", Given(joined="online"))
    assert isinstance(result, rules.Refused)
    (reason,) = result.reasons
    assert reason.rule == "online"
    assert "joined online" in reason.message


# register, registered on, the cycle the 2024-03-10 session counts in
CYCLES: list[tuple[str, str, str | None, tuple[date, date]]] = [
    (
        "SKJ: re-registration every 5 years, the cycle starting at the registration date",
        "SKJ",
        REGISTERED_ON,
        (date(2023, 6, 15), date(2028, 6, 14)),
    ),
    (
        "NOvA: 20 PO points per calendar year",
        "NOVA",
        None,
        (date(2024, 1, 1), date(2024, 12, 31)),
    ),
    (
        "MfN: 48 points per fixed 3-year period",
        "MFN",
        None,
        (date(2022, 1, 1), date(2024, 12, 31)),
    ),
    ("NVO: 120 per 5 years", "NVO", REGISTERED_ON, (date(2023, 6, 15), date(2028, 6, 14))),
    ("NIP: 5-year cycle", "NIP", REGISTERED_ON, (date(2023, 6, 15), date(2028, 6, 14))),
    (
        "Register Vaktherapie: 200 points per 5 years",
        "VAKTHERAPIE",
        REGISTERED_ON,
        (date(2023, 6, 15), date(2028, 6, 14)),
    ),
    ("V&VN: 184 points per 5 years", "VVN", REGISTERED_ON, (date(2023, 6, 15), date(2028, 6, 14))),
    ("NBA: a calendar year", "NBA", None, (date(2024, 1, 1), date(2024, 12, 31))),
]


@pytest.mark.parametrize(("source", "code", "registered_on", "cycle"), CYCLES)
def test_register_cycle(
    source: str, code: str, registered_on: str | None, cycle: tuple[date, date]
) -> None:
    result = judged(code, Given(registered_on=registered_on, present_peers=4))
    assert isinstance(result, rules.Eligible), (source, result)
    assert (result.cycle_start, result.cycle_end) == cycle, source


# register, points (hundredths) of each session in one cycle, counted after caps, the caps
CAPS: list[tuple[str, str, list[tuple[date, int]], int, list[str]]] = [
    (
        "NOvA: 1 non-legal point per hour, max 4 a year (uncertain)",
        "NOVA",
        [(date(2024, 3, 10), 250), (date(2024, 6, 10), 250)],
        400,
        ["cap_per_year"],
    ),
    (
        "MfN: category max 34 per period",
        "MFN",
        [(date(2023, 1, 1 + i), 200) for i in range(18)],
        3400,
        ["cap_per_cycle"],
    ),
    ("NIP: no cap", "NIP", [(date(2024, 1, 1 + i), 250) for i in range(20)], 5000, []),
]


@pytest.mark.parametrize(("source", "code", "entries", "counted", "caps"), CAPS)
def test_register_caps(
    source: str, code: str, entries: list[tuple[date, int]], counted: int, caps: list[str]
) -> None:
    spec = CATALOGUE[code]
    capped = rules.apply_caps(
        entries,
        cap_per_year_centi=spec.cap_per_year_centi,
        cap_per_cycle_centi=spec.cap_per_cycle_centi,
    )
    assert capped.counted_centi == counted, source
    assert [cap.rule for cap in capped.caps] == caps, source


# register, the requirement per cycle (minutes, points in hundredths)
NEEDS: list[tuple[str, str, int | None, int | None]] = [
    ("SKJ: 60 h reflection per 5 years (uncertain)", "SKJ", 3600, None),
    ("NOvA: >= 8 h intervisie a year", "NOVA", 480, None),
    ("MfN: >= 18 points from intervisie", "MFN", None, 1800),
    ("NVO: >= 40 h intervisie and/or supervisie", "NVO", 2400, None),
    ("NIP: >= 40 h intervisie", "NIP", 2400, None),
    ("NBA: no hour norm", "NBA", None, None),
]


@pytest.mark.parametrize(("source", "code", "minutes", "points"), NEEDS)
def test_register_need(source: str, code: str, minutes: int | None, points: int | None) -> None:
    spec = CATALOGUE[code]
    assert (spec.required_minutes_per_cycle, spec.required_points_centi_per_cycle) == (
        minutes,
        points,
    ), source


def test_self_declared_registers_are_marked() -> None:
    assert {c for c, spec in CATALOGUE.items() if spec.self_declared} == {"SKJ", "VVN"}
