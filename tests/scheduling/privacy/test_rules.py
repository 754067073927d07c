"""The redaction of the snapshots scheduling announced about an erased person."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.scheduling.privacy.rules import ERASED_NAME, erased_external_id, redacted

ERASED = uuid.uuid4()
OTHER = uuid.uuid4()


def attendee(person_id: uuid.UUID, name: str) -> dict[str, Any]:
    return {
        "person_id": str(person_id),
        "name": name,
        "given_name": name.split()[0],
        "family_name": name.split()[1],
        "employer_id": None,
        "status": "present",
        "registrations": [{"register": "SKJ", "number": "110012345"}],
    }


def test_the_erased_attendee_loses_name_and_numbers_the_others_keep_theirs() -> None:
    closed = {
        "session_id": str(uuid.uuid4()),
        "group_name": "Jeugdteam",
        "facilitator": {"person_id": str(OTHER), "name": "Fee B", "recognitions": [{"n": 1}]},
        "attendees": [attendee(ERASED, "Anouk Jansen"), attendee(OTHER, "Bram Smit")],
        "member_ids": [str(ERASED), str(OTHER)],
    }
    out = redacted(closed, ERASED)
    assert out["attendees"][0] == {
        **attendee(ERASED, "Anouk Jansen"),
        "name": ERASED_NAME,
        "given_name": "Erased",
        "family_name": "person",
        "registrations": [],
    }
    assert out["attendees"][1] == closed["attendees"][1]
    assert out["facilitator"] == closed["facilitator"]
    assert out["member_ids"] == closed["member_ids"]
    assert "Anouk" not in str(out) and "Jansen" not in str(out)


def test_a_person_updated_event_is_redacted_whole() -> None:
    updated = {"person_id": str(ERASED), "name": "Anouk Jansen", "employer_id": None,
               "registrations": [{"register": "SKJ", "number": "110012345"}]}  # fmt: skip
    assert redacted(updated, ERASED) == {
        "person_id": str(ERASED),
        "name": ERASED_NAME,
        "employer_id": None,
        "registrations": [],
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(JSON)
def test_a_snapshot_not_about_the_person_is_unchanged(value: Any) -> None:
    assert redacted(value, ERASED) == value


def test_the_pseudonymous_external_id_is_unique_per_person() -> None:
    assert erased_external_id(ERASED) != erased_external_id(OTHER)
    assert str(ERASED) in erased_external_id(ERASED)


def test_the_full_name_in_free_text_is_replaced_and_nothing_else() -> None:
    closed = {
        "session_id": str(uuid.uuid4()),
        "description": "Intervisie, notulist Anna Bakker",
        "attendees": [attendee(ERASED, "Anna Bakker"), attendee(OTHER, "Bram Jansen")],
    }
    out = redacted(closed, ERASED, name="Anna Bakker")
    assert out["description"] == f"Intervisie, notulist {ERASED_NAME}"
    assert [a["name"] for a in out["attendees"]] == [ERASED_NAME, "Bram Jansen"]
    assert redacted(closed, ERASED)["description"] == closed["description"]  # no name given
    assert redacted({"description": "Anna"}, ERASED, name="Anna Bakker") == {"description": "Anna"}
