"""A closed session as a cost sheet: participants, debtors and the profile's defaults. Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from services.invoicing.debtors.schemas import StoredDebtor
from services.invoicing.events import rules
from services.invoicing.events.schemas import SessionClosed
from services.invoicing.profiles.schemas import BillingProfile

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
FACILITATOR = uuid.uuid4()


def profile(**changes: object) -> BillingProfile:
    values: dict[str, object] = {
        "id": uuid.uuid4(), "facilitator_id": FACILITATOR, "legal_name": "Praktijk",
        "street": "Oudegracht 1", "postal_code": "3511 AA", "city": "Utrecht",
        "country_code": "NL", "kvk_number": "12345678", "btw_id": "NL000099998B57",
        "iban": "NL91ABNA0417164300", "bic": None, "hourly_rate_cents": 12500,
        "rate_per_km_cents": 23, "btw_mode": "standard", "exemption_text": None,
        "invoice_prefix": "PDV", "payment_term_days": 30, "preparation_minutes": 30,
        "travel_minutes": 40, "travel_km": 25, "location_cost_cents": 5000,
        "sharing": "attendees", "auto_issue": False, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    values.update(changes)
    return msgspec.convert(values, BillingProfile)


def debtor(external_id: str, name: str) -> StoredDebtor:
    return StoredDebtor(
        id=uuid.uuid4(), external_id=external_id, name=name, street="Straat 1",
        postal_code="1234 AB", city="Utrecht", country_code="NL", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def event(
    attendees: list[dict[str, object]], members: list[str], **changes: object
) -> SessionClosed:
    data = {
        "session_id": str(uuid.uuid4()),
        "group_name": "Groep  Noord",
        "starts_at": "2026-11-20T13:30:00+01:00",
        "ends_at": "2026-11-20T16:00:00+01:00",
        "mode": "in_person",
        "member_ids": members,
        "facilitator": {"person_id": str(FACILITATOR), "name": "F", "recognitions": []},
        "attendees": attendees,
        "unknown": True,
        **changes,
    }
    return msgspec.convert(data, SessionClosed, strict=False)


def person(
    name: str, status: str = "present", employer: uuid.UUID | None = None
) -> dict[str, object]:
    return {
        "person_id": str(uuid.uuid4()),
        "name": name,
        "employer_id": str(employer) if employer else None,
        "status": status,
        "registrations": [],
    }


def test_the_persons_own_debtor_comes_before_the_employers_then_privately_by_name() -> None:
    employer = uuid.uuid4()
    a, b, c = person("Anna", employer=employer), person("Bram", employer=employer), person("Cor")
    closing = event([a, b, c], [str(a["person_id"]), str(b["person_id"])])
    own = debtor(str(a["person_id"]), "Anna privé")
    work = debtor(str(employer), "Gemeente")
    assert rules.debtor_keys(closing) == [str(p["person_id"]) for p in (a, b, c)] + [str(employer)]

    sheet = rules.cost_sheet(closing, profile(), {own.external_id: own, work.external_id: work})

    assert [p.debtor_id for p in sheet.participants] == [own.id, work.id, None]
    private = sheet.participants[2].debtor
    assert private is not None
    assert (private.name, private.street, private.city) == ("Cor", "", "")
    assert [(p.member, p.attended) for p in sheet.participants] == [
        (True, True),
        (True, True),
        (False, True),
    ]


def test_the_profile_gives_the_session_defaults_except_travel_online() -> None:
    closing = event([person("Anna", "absent")], [])
    sheet = rules.cost_sheet(closing, profile(sharing="members"), {})
    assert (sheet.preparation_minutes, sheet.travel_minutes, sheet.travel_km) == (30, 40, 25)
    assert (sheet.location_cents, sheet.sharing) == (5000, "members")
    assert sheet.description == "Intervisiebijeenkomst Groep Noord"
    assert sheet.participants[0].attended is False

    online = rules.cost_sheet(event([person("Anna")], [], mode="online"), profile(), {})
    assert (online.travel_minutes, online.travel_km, online.location_cents) == (0, 0, 0)
    assert online.preparation_minutes == 30


def test_members_without_attendance_are_named_and_long_group_names_cut() -> None:
    lost = str(uuid.uuid4())
    closing = event([person("Anna")], [lost], group_name="x" * 300)
    assert rules.unnamed_members(closing) == [lost]
    assert len(rules.cost_sheet(closing, profile(), {}).description) == 200
