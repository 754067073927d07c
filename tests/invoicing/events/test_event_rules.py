"""A closed session as a cost sheet: participants in join order, the costs entered at closing
and the profile's defaults for the rest. Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.events import rules
from services.invoicing.events.schemas import SessionClosed
from services.invoicing.profiles.schemas import BillingProfile

from ..support import ROOM_AND_KM

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
FACILITATOR = uuid.uuid4()


def profile(**changes: object) -> BillingProfile:
    values: dict[str, object] = {
        "id": uuid.uuid4(), "facilitator_id": FACILITATOR, "legal_name": "Praktijk",
        "street": "Oudegracht 1", "postal_code": "3511 AA", "city": "Utrecht",
        "country_code": "NL", "kvk_number": "12345678", "btw_id": "NL000099998B57",
        "iban": "NL91ABNA0417164300", "bic": None, "email": None, "hourly_rate_cents": 12500,
        "rate_per_km_cents": 23, "btw_mode": "standard", "exemption_text": None,
        "invoice_prefix": "PDV", "payment_term_days": 30, "preparation_minutes": 30,
        "travel_minutes": 40, "travel_km": 25, "location_cost_cents": 5000,
        "sharing": "attendees", "auto_issue": False, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    values.update(changes)
    return msgspec.convert(values, BillingProfile)


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


def test_participants_carry_their_employer_and_nobody_is_billed_by_name() -> None:
    employer = uuid.uuid4()
    a, b, c = person("Anna", employer=employer), person("Bram", employer=employer), person("Cor")
    closing = event([a, b, c], [str(a["person_id"]), str(b["person_id"])])

    sheet = rules.cost_sheet(closing, profile())

    assert [p.client_organisation_id for p in sheet.participants] == [employer, employer, None]
    assert {(p.debtor, p.debtor_id) for p in sheet.participants} == {(None, None)}
    assert [(p.member, p.attended) for p in sheet.participants] == [
        (True, True),
        (True, True),
        (False, True),
    ]


def test_the_profile_gives_the_session_defaults_except_travel_online() -> None:
    closing = event([person("Anna", "absent")], [])
    sheet = rules.cost_sheet(closing, profile(sharing="members"))
    assert (sheet.preparation_minutes, sheet.travel_minutes, sheet.travel_km) == (30, 40, 25)
    assert (sheet.location_cents, sheet.sharing) == (5000, "members")
    assert sheet.description == "Intervisiebijeenkomst Groep Noord"
    assert sheet.participants[0].attended is False

    online = rules.cost_sheet(event([person("Anna")], [], mode="online"), profile())
    assert (online.travel_minutes, online.travel_km, online.location_cents) == (0, 0, 0)
    assert online.preparation_minutes == 30


def test_members_without_attendance_are_named_and_long_group_names_cut() -> None:
    lost = str(uuid.uuid4())
    closing = event([person("Anna")], [lost], group_name="x" * 300)
    assert rules.unnamed_members(closing) == [lost]
    assert len(rules.cost_sheet(closing, profile()).description) == 200


def test_the_costs_entered_at_closing_win_over_the_profile_s_defaults() -> None:
    entered = {
        **ROOM_AND_KM,
        "other_cents": 1250,
        "other_description": "Koffie en thee",
        "parking": "ignored, as any field scheduling adds",
    }
    sheet = rules.cost_sheet(event([person("Anna")], [], costs=entered), profile())
    assert (sheet.preparation_minutes, sheet.travel_minutes, sheet.travel_km) == (0, 40, 54)
    assert (sheet.location_cents, sheet.location_description) == (12000, "Zaal De Observant")
    assert (sheet.other_cents, sheet.other_description) == (1250, "Koffie en thee")

    nothing = rules.cost_sheet(event([person("Anna")], [], costs=None), profile())
    assert (nothing.preparation_minutes, nothing.travel_km, nothing.location_cents) == (
        30,
        25,
        5000,
    )
    assert (nothing.other_cents, nothing.location_description) == (0, None)


def test_an_online_session_bills_travel_only_when_it_was_entered() -> None:
    online = {"mode": "online", "costs": {"travel_km": 12, "location_cents": None}}
    sheet = rules.cost_sheet(event([person("Anna")], [], **online), profile())
    assert (sheet.travel_minutes, sheet.travel_km, sheet.location_cents) == (0, 12, 0)


def test_participants_are_in_join_order_then_guests_by_person_id() -> None:
    zoe, anna, bram = person("Zoë Zwart"), person("Anna Aal"), person("Bram Bos")
    guests = sorted([person("Guus Gast"), person("Gerda Gast")], key=lambda g: str(g["person_id"]))
    joined = [str(p["person_id"]) for p in (zoe, bram, anna)]
    closing = event([anna, *reversed(guests), bram, zoe], joined)

    sheet = rules.cost_sheet(closing, profile())

    assert [p.name for p in sheet.participants] == [
        "Zoë Zwart",
        "Bram Bos",
        "Anna Aal",
        *[str(g["name"]) for g in guests],
    ]


@given(
    order=st.permutations(range(6)),
    members=st.integers(min_value=0, max_value=6),
    listed=st.permutations(range(6)),
)
def test_join_order_does_not_depend_on_how_the_event_lists_attendees(
    order: list[int], members: int, listed: list[int]
) -> None:
    people = [person(f"P{i}") for i in range(6)]
    joined = [str(people[i]["person_id"]) for i in order[:members]]
    first = rules.cost_sheet(event(people, joined), profile())
    again = rules.cost_sheet(event([people[i] for i in listed], joined), profile())
    ids = [p.person_id for p in first.participants]
    assert ids == [p.person_id for p in again.participants]
    assert [str(i) for i in ids[:members]] == joined
    assert ids[members:] == sorted(ids[members:])
