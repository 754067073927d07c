"""What each reader sees of scheduling's events (ADR 0063; ``topology.event_scope``): an
admin everything, a service what accreditation and invoicing consume, an HR client only
events about its client organisation's people, each snapshot reduced to them (attendees,
members)."""

from __future__ import annotations

from typing import Any

from services import topology
from services.kit.events import Narrow, only, when

_MEMBERS = only("members", "employer_id")
_ATTENDEES = only("attendees", "employer_id", also={"member_ids": "person_id"})


def _amended(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A closed session's snapshot as :data:`_ATTENDEES` reduces it, when the amendment is of
    one of the reader's people."""
    reduced = _ATTENDEES(data, key)
    if reduced is None or data.get("person_id") not in {
        a["person_id"] for a in reduced["attendees"]
    }:
        return None
    return reduced


FOR_EMPLOYER: dict[str, Narrow] = {
    "session.scheduled": _MEMBERS,
    "session.rescheduled": _MEMBERS,
    "session.cancelled": _MEMBERS,
    "session.closed": _ATTENDEES,
    "session.signed_off": only("attendees", "employer_id"),
    "attendance.amended": _amended,
    "attendance.confirmed": when("employer_id"),
    "person.updated": when("employer_id"),
    "group.member_added": when("employer_id"),
    "group.member_left": when("employer_id"),
    "person.erased": when("employer_id"),
    "erasure.refused": when("employer_id"),
    "person.resync_refused": when("employer_id"),
}
"""Each type as an HR client sees it, narrowed to its client organisation; a type missing
here is not shown to an HR client at all."""


scope = topology.event_scope("scheduling", FOR_EMPLOYER)
