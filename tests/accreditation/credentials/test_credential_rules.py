"""The credentials' pure parts: the status list's bits, VC-JOSE signing and examination, the
Open Badges content, who may have what, and the reflection statement's rules."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from services.accreditation.credentials import jose, page, rules, statuslist, vc
from services.accreditation.credentials.schemas import CredentialVerification
from services.accreditation.ledger.chain import Signer
from services.accreditation.ledger.schemas import LedgerEntry
from services.accreditation.principal import Principal
from services.accreditation.reflections import rules as reflection_rules
from services.kit.errors import Conflict, Forbidden, RuleViolation

ORG = uuid.UUID("0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d00")
SIGNER = Signer(Ed25519PrivateKey.generate())
ISSUER = vc.Issuer("http://127.0.0.1:8102", ORG)


def entry(**changes: object) -> LedgerEntry:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "seq": 3,
        "kind": "credit",
        "session_id": uuid.uuid4(),
        "person_id": uuid.uuid4(),
        "register_code": "SKJ",
        "revision": 1,
        "registration_number": "110001234",
        "person_name": "Anouk de Vries",
        "session_date": date(2026, 3, 26),
        "started_at": datetime(2026, 3, 26, 18, 0, tzinfo=UTC),
        "ended_at": datetime(2026, 3, 26, 20, 30, tzinfo=UTC),
        "mode": "in_person",
        "group_size": 6,
        "method": "Incidentmethode",
        "facilitator_name": "Ingrid van Dijk",
        "facilitator_recognitions": ["LVSC"],
        "minutes": 150,
        "points_centi": 250,
        "rule_set_id": uuid.uuid4(),
        "rule_version": 2,
        "cycle_start": date(2025, 3, 1),
        "cycle_end": date(2030, 2, 28),
        "self_declared": True,
        "reverses_id": None,
        "reason": None,
        "recorded_at": datetime(2026, 3, 26, 20, 35, tzinfo=UTC),
        "recorded_by": "event:1",
        "prev_hash": "0" * 64,
        "hash": "a" * 64,
    }
    values.update(changes)
    return LedgerEntry(**values)  # type: ignore[arg-type]


def signed_credential(**changes: object) -> str:
    issue = vc.Issue(ISSUER, uuid.uuid4(), datetime.now(UTC), 1, 5)
    credential = vc.session_credential(issue, entry(**changes), unit="hours")
    return jose.sign(credential, signer=SIGNER, kid=ISSUER.kid(SIGNER.key_id))


@given(st.sets(st.integers(min_value=0, max_value=statuslist.SIZE - 1), max_size=50))
def test_the_status_list_sets_exactly_the_revoked_bits(revoked: set[int]) -> None:
    bits = statuslist.decode(statuslist.encode(revoked))
    assert len(bits) * 8 == statuslist.SIZE
    assert {i for i in [*revoked, 0, 1, 8, statuslist.SIZE - 1] if statuslist.is_set(bits, i)} == (
        revoked
    )


def test_the_status_list_counts_bits_from_the_left_and_encodes_the_same_bits_alike() -> None:
    bits = statuslist.decode(statuslist.encode([0, 9]))
    assert (bits[0], bits[1]) == (0b1000_0000, 0b0100_0000)
    assert statuslist.encode([3]) == statuslist.encode([3]) and statuslist.encode([]).startswith(
        "u"
    )
    assert statuslist.position(0) == (1, 0)
    assert statuslist.position(statuslist.SIZE - 1) == (1, statuslist.SIZE - 1)
    assert statuslist.position(statuslist.SIZE) == (2, 0)
    with pytest.raises(ValueError):
        statuslist.decode("zzz")


def test_a_signed_credential_is_signed_and_any_changed_byte_is_tampered() -> None:
    token = signed_credential()
    examined = jose.examine(token, trusted=SIGNER.trusted())
    assert examined.verdict == "signed"
    assert examined.payload == jose.payload_of(token)
    for at in range(0, len(token), 7):
        if token[at] == ".":
            continue
        changed = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
        try:
            verdict = jose.examine(changed, trusted=SIGNER.trusted()).verdict
        except jose.Malformed:
            continue
        assert verdict == "tampered", (at, changed)


def test_a_token_of_another_issuer_is_unknown_and_text_that_is_no_jws_is_malformed() -> None:
    other = Signer(Ed25519PrivateKey.generate())
    foreign = jose.sign({"id": "urn:uuid:1", "issuer": "did:web:elsewhere"}, signer=other, kid="k")
    ours_forged = jose.sign(jose.payload_of(signed_credential()), signer=other, kid="k")
    assert jose.examine(foreign, trusted=SIGNER.trusted()).verdict == "unknown"
    assert jose.examine(ours_forged, trusted=SIGNER.trusted()).verdict == "tampered"
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    ours = signed_credential().split(".")[1]
    assert jose.examine(f"{unsigned}.{ours}.c2ln", trusted=SIGNER.trusted()).verdict == "tampered"
    assert jose.examine(f"{unsigned}.e30.c2ln", trusted=SIGNER.trusted()).verdict == "unknown"
    for text in ("", "a.b", "a.b.c.d", "a b.c.d", "x" * (jose.MAX_LENGTH + 1)):
        with pytest.raises(jose.Malformed):
            jose.examine(text, trusted=SIGNER.trusted())


def test_the_issuer_is_a_did_web_of_the_services_url_with_its_port_encoded() -> None:
    assert ISSUER.did == f"did:web:127.0.0.1%3A8102:v1:issuers:{ORG}"
    assert vc.Issuer("https://kring.example/api/", ORG).did == (
        f"did:web:kring.example:api:v1:issuers:{ORG}"
    )
    assert ISSUER.status_list_url(2) == f"http://127.0.0.1:8102/v1/issuers/{ORG}/status-lists/2"


def test_a_session_credential_carries_the_open_badges_fields_and_no_case_content() -> None:
    credit = entry()
    issue = vc.Issue(ISSUER, uuid.uuid4(), datetime(2026, 3, 27, tzinfo=UTC), 1, 5)
    credential = vc.session_credential(issue, credit, unit="hours")
    subject = credential["credentialSubject"]
    assert credential["validFrom"] == "2026-03-27T00:00:00Z"
    assert credential["credentialStatus"]["statusListIndex"] == "5"
    assert subject["activityStartDate"] == "2026-03-26T18:00:00Z"
    assert subject["creditsEarned"] == 2.5
    assert subject["intervisie"]["start"] == "19:00"  # Europe/Amsterdam
    assert subject["achievement"]["criteria"]["narrative"].endswith("(versie 2).")
    assert credential["evidence"][0]["id"] == f"urn:uuid:{credit.id}"


def test_the_page_escapes_every_value() -> None:
    credential = jose.payload_of(signed_credential(person_name="<script>x</script>"))
    shown = page.render(
        CredentialVerification(
            status="valid",
            credential_id=credential["id"],
            checks=[],
            credential=credential,
            checked_at=datetime.now(UTC),
        )
    )
    assert "<script>" not in shown and "&lt;script&gt;" in shown


def principal(*roles: str, **claims: object) -> Principal:
    return Principal(subject="t", org_id=ORG, roles=frozenset(roles), **claims)  # type: ignore[arg-type]


def test_who_issues_and_who_reads() -> None:
    anouk, bram = uuid.uuid4(), uuid.uuid4()
    assert rules.subject_of(principal("participant", person=anouk), None) == anouk
    assert rules.subject_of(principal("admin"), bram) == bram
    with pytest.raises(Forbidden):
        rules.subject_of(principal("participant", person=anouk), bram)
    with pytest.raises(RuleViolation):
        rules.subject_of(principal("admin"), None)
    reads = dict(person_id=anouk, register_code="SKJ")
    assert rules.may_read(principal("participant", person=anouk), **reads, consented=False)
    assert not rules.may_read(principal("participant", person=bram), **reads, consented=True)
    assert rules.may_read(principal("registrar", register="skj"), **reads, consented=True)
    assert not rules.may_read(principal("registrar", register="SKJ"), **reads, consented=False)
    assert not rules.may_read(principal("registrar", register="NIP"), **reads, consented=True)


def test_what_can_be_certified() -> None:
    assert rules.refusal("recorded", reversed_=False) is None
    assert [
        error.rule
        for status, reversed_ in (("refused", False), ("pending", False), ("recorded", True))
        if (error := rules.refusal(status, reversed_=reversed_)) is not None
    ] == ["outcome_refused", "outcome_pending", "entry_reversed"]
    credit, other = entry(), entry()
    reversal = entry(kind="reversal", reverses_id=credit.id, minutes=-150)
    assert rules.live_credits([credit, reversal, other]) == [other]
    assert rules.cycle_on([credit], date(2030, 2, 28)) == (date(2025, 3, 1), date(2030, 2, 28))
    assert rules.cycle_on([credit], date(2030, 3, 1)) is None


def test_who_countersigns_under_which_recognition() -> None:
    ingrid, anouk = uuid.uuid4(), uuid.uuid4()
    accepted = ["LVSC", "VGCT", "NIP", "NVO", "NVRG"]
    reflection_rules.check_recognition("LVSC", "LVSC-0042", accepted=accepted, code="SKJ")
    with pytest.raises(RuleViolation) as refused:
        reflection_rules.check_recognition("NOVA", "LVSC-0042", accepted=accepted, code="SKJ")
    assert refused.value.errors[0].rule == "supervisor_recognition"
    for allowed in (
        principal("facilitator", person=ingrid),
        principal(person=ingrid, supervisor=True),
    ):
        reflection_rules.check_countersigner(allowed, supervisor_id=ingrid, countersigned=False)
    for refused_by in (principal("facilitator", person=anouk), principal("admin", person=ingrid)):
        with pytest.raises(Forbidden):
            reflection_rules.check_countersigner(
                refused_by, supervisor_id=ingrid, countersigned=False
            )
    with pytest.raises(Conflict):
        reflection_rules.check_countersigner(
            principal("facilitator", person=ingrid), supervisor_id=ingrid, countersigned=True
        )
    with pytest.raises(RuleViolation) as both:
        reflection_rules.check_request(
            person_id=anouk, supervisor_id=anouk, accepted=None, code="NIP"
        )
    assert [e.rule for e in both.value.errors] == ["no_reflection_statement", "own_supervisor"]
