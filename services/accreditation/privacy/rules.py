"""What accreditation's part of a person's erasure makes of what it keeps (ADR 0092): pure.

The ledger keeps every entry and its counts, without the person's name and registration
number; a closed session's snapshot keeps the person as an attendee who counted, nameless;
a credential keeps its place in its status list, revoked, without its token. Evidence is kept
for the register's cycle plus a margin (``retention.py``), then shredded alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import msgspec

from ..ledger.schemas import ClosedSessionIn, Judgement, Reason
from ..registers.rules import normalise_code

ERASED_NAME = "Erased person"
"""How an erased attendee or supervisor is named where a name must stand."""
ERASED_NUMBER = "erased"
"""The registration number an erased attendee's registrations keep in a session's snapshot
(their register still counts among the session's registered peers)."""
ERASED_REASON = "the person was erased"
"""Why an erased person's credentials were revoked."""
DEFAULT_MARGIN_YEARS = 1
"""Evidence is kept for the register's cycle and this many years after it, unless the
organisation sets another margin."""


def _attendee(attendee: dict[str, Any]) -> dict[str, Any]:
    registrations = [
        {**registration, "number": ERASED_NUMBER}
        for registration in attendee.get("registrations", [])
    ]
    return {**attendee, "name": ERASED_NAME, "registrations": registrations}


def redacted_snapshot(snapshot: dict[str, Any], person_id: uuid.UUID) -> dict[str, Any]:
    """A closed session's snapshot without the person's name and registration numbers (as an
    attendee or as the facilitator); everything the session's judgement counts stays."""
    about = str(person_id)
    attendees = [
        _attendee(a) if a.get("person_id") == about else a for a in snapshot.get("attendees", [])
    ]
    facilitator = snapshot.get("facilitator") or {}
    if facilitator.get("person_id") == about:
        facilitator = {**facilitator, "name": ERASED_NAME}
    return {**snapshot, "attendees": attendees, "facilitator": facilitator}


def forgotten(session: ClosedSessionIn, erased: Collection[uuid.UUID]) -> ClosedSessionIn:
    """A closed session's snapshot arriving after some of its people were erased (an event
    on its way), without them: nothing about them is recorded again."""
    snapshot = msgspec.to_builtins(session)
    for person_id in erased:
        snapshot = redacted_snapshot(snapshot, person_id)
    return msgspec.convert(snapshot, ClosedSessionIn)


def refusals(session: ClosedSessionIn, erased: Collection[uuid.UUID]) -> list[Judgement]:
    """Each registration of an erased attendee, refused with the rule ``erased``."""
    return [
        Judgement(
            person_id=attendee.person_id,
            register_code=normalise_code(registration.register),
            outcome="refused",
            reasons=[Reason(rule="erased", message="the person was erased: nothing is recorded")],
        )
        for attendee in session.attendees
        if attendee.person_id in erased
        for registration in attendee.registrations
    ]
