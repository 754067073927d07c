"""From `session.closed` to the ledger's snapshot: how each attendee joined a hybrid session and
the role of each recognition travel, and the judgement uses them (pure)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from services.accreditation.events import rules
from services.accreditation.events.schemas import SessionClosedData
from services.accreditation.ledger import rules as ledger_rules
from tests.accreditation.snapshots import catalogue_rules

RULES = catalogue_rules()


def attendee(register: str, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": str(uuid.uuid4()),
        "name": "Anna de Vries",
        "status": "present",
        "registrations": [
            {"register": register, "number": "110012345", "registered_on": "2022-01-10"}
        ],
        **extra,
    }


def closed(*attendees: dict[str, Any], mode: str, recognitions: list[dict[str, Any]]) -> Any:
    data = {
        "session_id": str(uuid.uuid4()),
        "date": "2024-03-10",
        "starts_at": "2024-03-10T13:00:00Z",
        "ends_at": "2024-03-10T15:30:00Z",
        "mode": mode,
        "group_size": 6,
        "facilitator": {"name": "Bram Jansen", "recognitions": recognitions},
        "attendees": list(attendees),
    }
    snapshot, refused = rules.closed_session(msgspec.convert(data, SessionClosedData))
    assert snapshot is not None and not refused
    return snapshot


def verdicts(snapshot: Any, code: str) -> list[bool]:
    return [
        isinstance(
            ledger_rules.judge(
                snapshot,
                a,
                a.registrations[0],
                register_code=code,
                rules=RULES[code],
                peers_registered=ledger_rules.peers_registered(snapshot, code),
            ),
            ledger_rules.Eligible,
        )
        for a in snapshot.attendees
    ]


SKJ_ITSELF = [{"register": "SKJ", "role": "begeleider", "number": None}]


def test_who_joined_a_hybrid_session_online_travels_and_skj_refuses_only_them() -> None:
    snapshot = closed(
        attendee("SKJ", joined="online"),
        attendee("SKJ", joined="in_person"),
        attendee("SKJ"),
        mode="hybrid",
        recognitions=SKJ_ITSELF,
    )
    assert snapshot.mode == "in_person"
    assert [a.joined for a in snapshot.attendees] == ["online", None, None]
    assert verdicts(snapshot, "SKJ") == [False, True, True]


def test_joined_is_read_in_a_hybrid_session_only() -> None:
    snapshot = closed(attendee("SKJ", joined="online"), mode="in_person", recognitions=SKJ_ITSELF)
    assert snapshot.attendees[0].joined is None


def test_the_role_of_each_recognition_travels() -> None:
    member = [{"register": "NOvA", "role": "lid", "number": "A1"}]
    leader = [{"register": "NOvA", "role": "gespreksleider", "number": None}]
    as_member = closed(attendee("NOVA"), mode="in_person", recognitions=member)
    as_leader = closed(attendee("NOVA"), mode="in_person", recognitions=leader)
    assert [(r.register, r.role) for r in as_leader.facilitator.roles] == [
        ("NOVA", "gespreksleider")
    ]
    assert verdicts(as_member, "NOVA") == [False]
    assert verdicts(as_leader, "NOVA") == [True]
