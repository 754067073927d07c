"""Which judgements wait and which refuse, who reads outcomes, and a snapshot brought up to date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest

from services.accreditation.ledger import rules as ledger_rules
from services.accreditation.ledger.schemas import Judgement, Reason, RegistrationIn
from services.accreditation.outcomes import rules
from services.accreditation.outcomes.schemas import Outcome
from services.accreditation.principal import Principal
from tests.accreditation.snapshots import attendee, parsed, registration, seed_rules, session

SEEDS = seed_rules()
ORG = uuid.uuid4()


def skj_status(*, recognitions: list[str], **registration_options: Any) -> tuple[str, set[str]]:
    """The SKJ judgement of a session's first attendee, as the ledger stores it."""
    snapshot = parsed(
        session(
            attendee(registration("SKJ", "110012345", **registration_options)),
            recognitions=recognitions,
        )
    )
    verdict = ledger_rules.judge(
        snapshot,
        snapshot.attendees[0],
        snapshot.attendees[0].registrations[0],
        register_code="SKJ",
        rules=SEEDS["SKJ"],
        peers_registered=1,
    )
    if isinstance(verdict, ledger_rules.Eligible):
        return "recorded", set()
    return rules.unjudged_status(verdict.reasons), {r.rule for r in verdict.reasons}


@pytest.mark.parametrize(
    ("recognitions", "options", "expected"),
    [
        pytest.param(["LVSC"], {}, ("pending", {"registered_on"}), id="no date: pending"),
        pytest.param(
            ["NOVA"],
            {"registered_on": "2021-06-01"},
            ("refused", {"facilitator_recognition"}),
            id="an unrecognised facilitator: refused",
        ),
        pytest.param(
            ["NOVA"],
            {},
            ("refused", {"facilitator_recognition", "registered_on"}),
            id="a broken rule refuses whatever else waits",
        ),
        pytest.param(
            ["LVSC"],
            {"registered_on": "2025-01-01"},
            ("refused", {"registered_on_after_session"}),
            id="a date after the session: refused",
        ),
        pytest.param(["LVSC"], {"registered_on": "2021-06-01"}, ("recorded", set()), id="counts"),
    ],
)
def test_only_a_missing_date_waits(
    recognitions: list[str], options: dict[str, Any], expected: tuple[str, set[str]]
) -> None:
    assert skj_status(recognitions=recognitions, **options) == expected


def reason(rule: str) -> Reason:
    return Reason(rule=rule, message=rule)


@pytest.mark.parametrize(
    ("rules_given", "status"),
    [
        ([], "refused"),
        (["registered_on"], "pending"),
        (["registered_on", "online"], "refused"),
        (["facilitator_recognition"], "refused"),
        (["registration_number"], "refused"),
    ],
)
def test_pending_needs_every_reason_to_wait(rules_given: list[str], status: str) -> None:
    assert rules.unjudged_status([reason(r) for r in rules_given]) == status


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("recorded", "recorded"),
        ("already_recorded", "recorded"),
        ("refused", "refused"),
        ("pending", "pending"),
    ],
)
def test_the_stored_status_of_a_judgement(outcome: Any, status: str) -> None:
    judgement = Judgement(person_id=uuid.uuid4(), register_code="SKJ", outcome=outcome)
    assert rules.status_of(judgement) == status


def outcome(status: Any, *reasons: str, rule_version: int | None = 1) -> Outcome:
    return Outcome(
        id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        session_date=date(2024, 3, 10),
        person_id=uuid.uuid4(),
        person_name="Anna de Vries",
        register_code="SKJ",
        registration_number="110012345",
        status=status,
        entry_id=uuid.uuid4() if status == "recorded" else None,
        minutes=None,
        points_centi=None,
        reasons=[reason(r) for r in reasons],
        rule_version=rule_version,
        judged_at=datetime.now(UTC),
    )


def test_a_refusal_or_wait_is_announced_once_and_again_when_it_changes() -> None:
    pending = outcome("pending", "registered_on")
    assert rules.worth_announcing(None, pending)
    assert not rules.worth_announcing(pending, msgspec.structs.replace(pending))
    refused = msgspec.structs.replace(pending, status="refused", reasons=[reason("online")])
    assert rules.worth_announcing(pending, refused)
    assert rules.worth_announcing(refused, msgspec.structs.replace(refused, rule_version=2))
    assert not rules.worth_announcing(pending, outcome("recorded"))
    assert not rules.worth_announcing(None, outcome("recorded"))


def principal(*roles: str, person: uuid.UUID | None = None) -> Principal:
    return Principal(subject="t", org_id=ORG, roles=frozenset(roles), person=person)


def test_a_reading_without_its_claim_is_narrowed_to_nobody() -> None:
    anna, employer = uuid.uuid4(), uuid.uuid4()
    assert rules.person_of(principal("participant", person=anna)) == anna
    assert rules.person_of(principal("facilitator")) == rules.NOBODY
    hr = Principal(subject="t", org_id=ORG, roles=frozenset({"hr"}), client_org=employer)
    assert rules.employer_of(hr) == employer
    assert rules.employer_of(principal("hr")) == rules.NOBODY


def test_a_snapshot_takes_only_the_waiting_registrations_of_the_person() -> None:
    anna, bram = uuid.uuid4(), uuid.uuid4()
    snapshot = parsed(
        session(
            attendee(registration("SKJ", "1"), registration("NIP", "2"), person_id=anna),
            attendee(registration("SKJ", "3"), person_id=bram),
        )
    )
    dated = RegistrationIn(register="SKJ", number="1", registered_on=date(2021, 6, 1))
    nip = RegistrationIn(register="NIP", number="2", registered_on=date(2020, 1, 1))
    updates = {"SKJ": dated, "NIP": nip}

    updated = rules.with_registrations(snapshot, anna, updates, registers={"SKJ"})

    assert updated is not None
    assert updated.attendees[0].registrations == [dated, snapshot.attendees[0].registrations[1]]
    assert updated.attendees[1] == snapshot.attendees[1]
    assert rules.with_registrations(snapshot, anna, {}, registers={"SKJ"}) is None
    assert rules.with_registrations(updated, anna, updates, registers={"SKJ"}) is None
    assert rules.with_registrations(snapshot, uuid.uuid4(), updates, registers={"SKJ"}) is None
