"""The outcomes' wire format: what a session earned each attendee in each register, and why not."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.kit.schemas import Outbound

from ..ledger.schemas import Reason

Status = Literal["recorded", "refused", "pending"]


class Outcome(Outbound, frozen=True):
    """The judgement of one attendee's presence at one closed session for one register."""

    id: uuid.UUID
    session_id: uuid.UUID
    session_date: date
    person_id: uuid.UUID
    person_name: str
    register_code: str
    registration_number: str | None
    """As the session's snapshot holds it (null when the ledger could not hold the number)."""
    status: Status
    """`recorded`: an entry counts; `refused`: every reason is a rule broken; `pending`: waiting
    for data that can arrive later (the registration date), judged again when it does."""
    entry_id: uuid.UUID | None
    """The ledger entry of a recorded outcome."""
    minutes: int | None
    points_centi: int | None
    reasons: list[Reason]
    """Every rule that refused it, or that it waits for."""
    rule_version: int | None
    """The version of the register's rules it was judged by (null when the register has none)."""
    judged_at: datetime


class OutcomePage(Outbound, frozen=True):
    items: list[Outcome]
    next_cursor: str | None


class OutcomeEventData(Outbound, frozen=True):
    """An attendee's presence at a closed session does not count (yet) for a register, with
    every rule named. Sent when the outcome is first judged so, or judged again with other
    reasons."""

    session_id: uuid.UUID
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person, as the session's snapshot names it (null
    when it names none)."""
    register: str
    status: Literal["refused", "pending"]
    reasons: list[Reason]
    rule_version: int | None


class OutcomeRefusedData(OutcomeEventData, frozen=True):
    """`ledger.outcome_refused`: a broken rule refuses what the attendee's presence would have
    counted for a register."""


class OutcomePendingData(OutcomeEventData, frozen=True):
    """`ledger.outcome_pending`: the presence counts for nothing yet, waiting for data that can
    arrive later (the registration date); judged again when it does."""
