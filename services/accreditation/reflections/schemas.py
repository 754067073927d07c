"""The reflection statements' wire format."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.kit.schemas import Inbound, Name, Outbound

from ..ledger.schemas import RecognitionCode, RegisterCodeIn, RegistrationNumber


class ReflectionRequestIn(Inbound, kw_only=True, frozen=True):
    """A participant asks a supervisor to countersign their reflection for a cycle."""

    examples = (
        {
            "register": "SKJ",
            "on": "2026-03-26",
            "supervisor_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d01",
            "supervisor_name": "Ingrid van Dijk",
            "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04",
        },
    )

    register: RegisterCodeIn
    on: date
    """A day of the cycle the statement is for: the person's cycle in the register holding it."""
    supervisor_id: uuid.UUID
    """The supervisor, by the `person` claim their token carries."""
    supervisor_name: Name
    person_id: uuid.UUID | None = None
    """Whose statement; a participant's own when left out (an admin names the person)."""


class RecognitionIn(Inbound, kw_only=True, frozen=True):
    register: RecognitionCode
    """The body that registers the supervisor: `LVSC`, `VGCT`, `NIP`, `NVO`, `NVRG`, ..."""
    number: RegistrationNumber


class CountersignatureIn(Inbound, kw_only=True, frozen=True):
    """The supervisor signs, under the recognition they hold."""

    examples = ({"recognition": {"register": "LVSC", "number": "LVSC-0042"}},)

    recognition: RecognitionIn


class Recognition(Outbound, frozen=True):
    register: str
    number: str


class ReflectionStatement(Outbound, frozen=True):
    """A reflection statement (reflectieverklaring): requested, then countersigned. Once
    countersigned it is evidence on the person's period statement of the cycle."""

    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    register_code: str
    cycle_start: date
    cycle_end: date
    supervisor_id: uuid.UUID
    supervisor_name: str
    status: Literal["requested", "countersigned"]
    requested_at: datetime
    countersigned_at: datetime | None
    recognition: Recognition | None
    """The recognition the supervisor countersigned under."""
    accepted_recognitions: list[str]
    """The bodies whose supervisors the register accepts for this statement (its rules)."""


class ReflectionStatementPage(Outbound, frozen=True):
    items: list[ReflectionStatement]
    next_cursor: str | None
