"""From scheduling's `session.closed` to the ledger's closed-session snapshot (pure).

Choices where the two vocabularies differ:

- Presence: `present` counts; `absent` and `excused` are both `absent` (an excused
  absence earns no hours in any register).
- Mode: `hybrid` is recorded as `in_person`, the group meeting in a room, and each
  attendee's `joined` says who took part online; a register that refuses online hours
  refuses those attendees (rule `online`). An attendee whose `joined` is not `online` is
  judged as there in person; outside a hybrid session the session's mode decides.
- Group size: scheduling counts the members with consent and the current agreement; the
  ledger needs a size that covers everyone present (it refuses a snapshot otherwise), so
  the size is at least the number present (and within the ledger's 1 to 100).
- Facilitator recognitions: the register codes (canonical, once each), and each
  recognition's role where it has one (NOvA counts a gespreksleider only); the number is
  not used by any rule.
- A registration whose number the ledger cannot hold (its pattern) is refused with the
  rule `registration_number` instead of failing the whole session, and one that looks like a
  BSN (nine digits passing the elfproef) with the rule `bsn`, never stored; the rest is judged.
- `person.updated`: the registrations the ledger can hold, by canonical register code, to
  judge a person's pending outcomes again; one it cannot hold is left out (what waits for
  it keeps waiting).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from services.kit.errors import FieldError, InvalidInput
from services.kit.subjects import BSN_RULE, bsn_refused, looks_like_bsn

from ..ledger.schemas import NUMBER_PATTERN, ClosedSessionIn, Judgement, Reason, RegistrationIn
from ..registers.rules import CODE_PATTERN, normalise_code
from .schemas import EventAttendee, EventRegistration, PersonUpdatedData, SessionClosedData

MAX_TEXT = 200
MAX_GROUP = 100
MAX_RECOGNITIONS = 20


def decode(data: dict[str, Any], type_: type[Any], *, event_type: str) -> Any:
    """The event's `data` as ``type_``; a 400 naming the field when it does not fit."""
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as exc:
        raise InvalidInput(
            f"The {event_type} event's data is not valid: {exc}",
            errors=[FieldError(field="body.data", rule="event_data", message=str(exc))],
        ) from exc


def _text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value[:MAX_TEXT].rstrip()


def _fits(registration: EventRegistration) -> bool:
    number = registration.number
    return (
        bool(re.match(NUMBER_PATTERN, number))
        and "\n" not in number
        and not looks_like_bsn(number, registration.register)
    )


def _unrecordable(attendee: EventAttendee, registration: EventRegistration) -> Judgement:
    # The number is not repeated (outcomes and their events would keep it): it may even be
    # a citizen service number.
    if looks_like_bsn(registration.number, registration.register):
        reason = Reason(rule=BSN_RULE, message=bsn_refused("number").message)
    else:
        reason = Reason(
            rule="registration_number",
            message="the registration number is not one the ledger can hold "
            "(letters, digits, '.', '/' and '-', at most 32)",
        )
    return Judgement(
        person_id=attendee.person_id,
        register_code=normalise_code(registration.register),
        outcome="refused",
        reasons=[reason],
    )


def recognitions(data: SessionClosedData) -> list[str]:
    codes: list[str] = []
    for recognition in data.facilitator.recognitions:
        code = normalise_code(recognition.register)
        if re.match(CODE_PATTERN, code) and code not in codes:
            codes.append(code)
    return codes[:MAX_RECOGNITIONS]


def roles(data: SessionClosedData) -> list[dict[str, str]]:
    """The recognitions that name a role, by canonical register code, once each."""
    found: list[dict[str, str]] = []
    for recognition in data.facilitator.recognitions:
        code, role = normalise_code(recognition.register), _text(recognition.role)
        entry = {"register": code, "role": role} if role else None
        if entry and re.match(CODE_PATTERN, code) and entry not in found:
            found.append(entry)
    return found[:MAX_RECOGNITIONS]


def closed_session(data: SessionClosedData) -> tuple[ClosedSessionIn | None, list[Judgement]]:
    """The ledger's snapshot of the session (None when nobody attended) and the registrations
    refused before judging because the ledger cannot hold them."""
    refused: list[Judgement] = []
    attendees: list[dict[str, Any]] = []
    for attendee in data.attendees:
        registrations = []
        for registration in attendee.registrations:
            if not _fits(registration):
                refused.append(_unrecordable(attendee, registration))
                continue
            registrations.append(
                {
                    "register": registration.register,
                    "number": registration.number,
                    "registered_on": registration.registered_on,
                }
            )
        attendees.append(
            {
                "person_id": attendee.person_id,
                "name": _text(attendee.name),
                "presence": "present" if attendee.status == "present" else "absent",
                "arrived_at": attendee.arrived_at,
                "departed_at": attendee.departed_at,
                "joined": "online"
                if data.mode == "hybrid" and attendee.joined == "online"
                else None,
                "registrations": registrations,
                "employer_id": attendee.employer_id,
            }
        )
    if not attendees:
        return None, refused
    present = sum(1 for a in attendees if a["presence"] == "present")
    snapshot = {
        "session_id": data.session_id,
        "date": data.date,
        "started_at": data.starts_at,
        "ended_at": data.ends_at,
        "mode": "online" if data.mode == "online" else "in_person",
        "group_size": min(MAX_GROUP, max(data.group_size, present, 1)),
        "method": _text(data.method),
        "facilitator": {
            "person_id": data.facilitator.person_id,
            "name": _text(data.facilitator.name),
            "recognitions": recognitions(data),
            "roles": roles(data),
        },
        "attendees": attendees,
    }
    session: ClosedSessionIn = decode(
        msgspec.to_builtins(snapshot), ClosedSessionIn, event_type="session.closed"
    )
    return session, refused


def registrations(data: PersonUpdatedData) -> dict[str, RegistrationIn]:
    """A person's registrations as the ledger holds them, by canonical register code."""
    held: dict[str, RegistrationIn] = {}
    for registration in data.registrations:
        if not _fits(registration):
            continue
        try:
            converted = msgspec.convert(msgspec.to_builtins(registration), RegistrationIn)
        except msgspec.ValidationError:
            continue
        held.setdefault(normalise_code(converted.register), converted)
    return held
