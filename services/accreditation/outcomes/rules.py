"""Which judgements wait and which refuse, who reads outcomes, and a snapshot brought up to date:
pure functions, no I/O.

A judgement that counts nothing is **pending** when every reason it gives is a fact that can
arrive later (``WAITING``), and **refused** otherwise: one broken rule refuses, whatever else
it waits for. Today only the registration date waits: scheduling's ``person.updated`` brings it.
A facilitator's recognition and a registration number stay refusals until accreditation hears
of their corrections.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Final, Literal

import msgspec

from ..ledger.schemas import ClosedSessionIn, Judgement, Reason, RegistrationIn
from ..principal import Principal
from ..registers.rules import normalise_code
from .schemas import Outcome, Status

WAITING = frozenset({"registered_on"})
"""The rules whose refusal only waits for data that can arrive later."""


def unjudged_status(reasons: Iterable[Reason]) -> Literal["refused", "pending"]:
    """``pending`` when there are reasons and each only waits for data; ``refused`` otherwise."""
    rules = {reason.rule for reason in reasons}
    return "pending" if rules and rules <= WAITING else "refused"


def status_of(judgement: Judgement) -> Status:
    """The stored status of a judgement: an entry recorded now or before is ``recorded``."""
    match judgement.outcome:
        case "refused" | "pending" as status:
            return status
    return "recorded"


def worth_announcing(previous: Outcome | None, now: Outcome) -> bool:
    """A refusal or a wait is announced when it is new, or its status, reasons or version
    changed; a judgement repeated as it was announces nothing."""
    if now.status == "recorded":
        return False
    if previous is None:
        return True
    return (previous.status, previous.reasons, previous.rule_version) != (
        now.status,
        now.reasons,
        now.rule_version,
    )


NOBODY: Final = uuid.UUID(int=0)
"""Whom a reading is narrowed to when the token lacks the claim its scope needs: nobody."""


def person_of(principal: Principal) -> uuid.UUID:
    """The person a facilitator's or participant's reading is narrowed to (claim `person`)."""
    return principal.person or NOBODY


def employer_of(principal: Principal) -> uuid.UUID:
    """The employer an HR client's reading is narrowed to (claim `client_org`)."""
    return principal.client_org or NOBODY


def with_registrations(
    session: ClosedSessionIn,
    person_id: uuid.UUID,
    updates: Mapping[str, RegistrationIn],
    *,
    registers: Collection[str],
) -> ClosedSessionIn | None:
    """The snapshot with the person's registrations in ``registers`` (canonical codes) replaced
    by their updates; None when nothing changes. Other registrations stay as they were."""
    changed = False
    attendees = []
    for attendee in session.attendees:
        registrations = []
        for registration in attendee.registrations:
            code = normalise_code(registration.register)
            update = updates.get(code) if attendee.person_id == person_id else None
            if update is not None and code in registers and update != registration:
                registration, changed = update, True
            registrations.append(registration)
        attendees.append(msgspec.structs.replace(attendee, registrations=registrations))
    return msgspec.structs.replace(session, attendees=attendees) if changed else None
