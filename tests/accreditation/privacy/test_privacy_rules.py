"""The rules of accreditation's part of a person's rights, pure: the elfproef refuses a BSN
wherever a registration number comes in, a version-2 entry's hash does not depend on the
person's name and number (so shredding them keeps it), a version-1 entry verifies shredded
only under its signed redaction, and a session's snapshot forgets the person and nothing else."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from services.accreditation.events import rules as event_rules
from services.accreditation.events.schemas import SessionClosedData
from services.accreditation.ledger import chain, checkpoints
from services.accreditation.ledger import rules as ledger_rules
from services.accreditation.privacy import rules
from services.kit.subjects import looks_like_bsn
from tests.accreditation.privacy.support import entry
from tests.accreditation.snapshots import attendee, parsed, registration, session

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
digits = st.lists(st.integers(0, 9), min_size=8, max_size=8)
names = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=40)
numbers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9./-]{0,31}", fullmatch=True)
SIGNER = chain.Signer(Ed25519PrivateKey.generate())


def bsn(first: list[int]) -> str | None:
    """The BSN with these first eight digits, if one exists (the check digit is 0 to 9)."""
    check = sum(d * w for d, w in zip(first, WEIGHTS, strict=True)) % 11
    return None if check == 10 else "".join(map(str, [*first, check]))


@given(digits)
def test_every_number_passing_the_elfproef_is_a_bsn(first: list[int]) -> None:
    value = bsn(first)
    if value is not None and value != "000000000":
        assert looks_like_bsn(value)


@given(digits, st.integers(0, 8), st.integers(1, 9))
def test_one_digit_changed_fails_the_elfproef(first: list[int], at: int, by: int) -> None:
    value = bsn(first)
    if value is None:
        return
    changed = [int(c) for c in value]
    changed[at] = (changed[at] + by) % 10
    assert not looks_like_bsn("".join(map(str, changed)))


@given(st.text(max_size=12))
def test_only_nine_digits_can_be_a_bsn(value: str) -> None:
    if looks_like_bsn(value):
        assert len(value) == 9 and value.isdigit()


def test_a_snapshot_with_a_bsn_is_refused_naming_the_number() -> None:
    body = session(attendee(registration("NIP", "00123456"), registration("NVO", "111222333")))
    errors = ledger_rules.snapshot_errors(parsed(body), today=date(2026, 12, 1))
    assert [(e.field, e.rule) for e in errors] == [
        ("body.attendees[0].registrations[1].number", "bsn")
    ]


def test_an_event_registration_with_a_bsn_is_refused_alone_and_never_repeated() -> None:
    person = str(uuid.uuid4())
    data = {
        "session_id": str(uuid.uuid4()),
        "date": "2024-03-10",
        "starts_at": "2024-03-10T13:00:00Z",
        "ends_at": "2024-03-10T15:30:00Z",
        "mode": "in_person",
        "group_size": 6,
        "facilitator": {"name": "Bram Jansen", "recognitions": []},
        "attendees": [
            {
                "person_id": person,
                "name": "Anna de Vries",
                "status": "present",
                "registrations": [
                    {"register": "NVO", "number": "111222333"},
                    {"register": "NIP", "number": "NIP-0042"},
                ],
            }
        ],
    }
    snapshot, refused = event_rules.closed_session(msgspec.convert(data, SessionClosedData))
    assert snapshot is not None
    assert [r.number for r in snapshot.attendees[0].registrations] == ["NIP-0042"]
    ((reason,),) = [j.reasons for j in refused]
    assert reason.rule == "bsn" and "111222333" not in reason.message


def walked(*entries: dict[str, Any], **options: Any) -> list[str]:
    walk = chain.Walk(problems=[], trusted=SIGNER.trusted(), **options)
    for item in entries:
        walk.step(item, {}, set())
    return [found.rule for found in walk.problems]


def shredded(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "person_name": None, "registration_number": None, "personal_salt": None}


@given(names, numbers)
def test_shredding_a_version_2_entry_keeps_its_hash(name: str, number: str) -> None:
    values = entry(person_name=name, registration_number=number)
    assert chain.entry_hash(shredded(values)) == values["hash"]
    assert walked(values) == [] and walked(shredded(values)) == []


@given(names, names)
def test_a_changed_name_breaks_the_commitment(name: str, other: str) -> None:
    values = entry(person_name=name)
    if other != name:
        assert walked({**values, "person_name": other}) == ["hash_mismatch"]


def said(*entries: dict[str, Any], **options: Any) -> list[str]:
    walk = chain.Walk(problems=[], trusted=SIGNER.trusted(), **options)
    for item in entries:
        walk.step(item, {}, set())
    assert {found.rule for found in walk.problems} <= {"hash_mismatch"}
    return [found.message for found in walk.problems]


def test_a_version_1_entry_verifies_shredded_only_under_its_signed_redaction() -> None:
    legacy = entry(hash_version=1)
    assert "personal_commitment" not in legacy and walked(legacy) == []
    org_id = legacy["org_id"]
    signed = checkpoints.redaction(org_id, legacy, SIGNER)
    by_entry = {legacy["id"]: signed}
    gone = {**legacy, "person_name": None, "registration_number": None}
    assert said(gone, org_id=org_id, redactions=by_entry) == []
    (missing,) = said(gone, org_id=org_id)
    assert "no signed redaction" in missing
    (changed,) = said({**gone, "minutes": 600}, org_id=org_id, redactions=by_entry)
    assert "not what its redaction signed" in changed
    other = checkpoints.redaction(org_id, legacy, chain.Signer(Ed25519PrivateKey.generate()))
    (unsigned,) = said(gone, org_id=org_id, redactions={legacy["id"]: other})
    assert "not signed by a key this service trusts" in unsigned


def test_a_snapshot_forgets_the_person_and_nothing_else() -> None:
    person, other = uuid.uuid4(), uuid.uuid4()
    body = session(
        attendee(registration("NIP", "NIP-0042"), person_id=person, name="Anna de Vries"),
        attendee(registration("NIP", "NIP-0043"), person_id=other, name="Bram Jansen"),
    )
    body["facilitator"]["person_id"] = str(person)
    redacted = rules.redacted_snapshot(body, person)
    anna, bram = redacted["attendees"]
    assert (anna["name"], anna["registrations"]) == (
        rules.ERASED_NAME,
        [{"register": "NIP", "number": rules.ERASED_NUMBER}],
    )
    assert bram == body["attendees"][1]
    assert redacted["facilitator"]["name"] == rules.ERASED_NAME
    assert rules.redacted_snapshot(redacted, person) == redacted
    assert rules.redacted_snapshot(body, uuid.uuid4()) == body
    forgotten = rules.forgotten(parsed(body), {person})  # still a snapshot the ledger judges
    assert msgspec.to_builtins(forgotten)["attendees"][0]["name"] == rules.ERASED_NAME
    (refused,) = rules.refusals(forgotten, {person})
    assert (refused.person_id, refused.outcome, refused.reasons[0].rule) == (
        person,
        "refused",
        "erased",
    )
