"""The preflight's wire format: the facts of a group or a planned session, and the warnings."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Inbound, Outbound

from ..ledger.schemas import RegisterCodeIn, ShortText

Number = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=PRINTABLE_NOT_BLANK)]


class PreflightRegistration(Inbound, kw_only=True, frozen=True):
    register: RegisterCodeIn
    number: Number | None = None
    """As the person's master data holds it; no rule of the preflight reads it."""
    registered_on: date | None = None
    """When the registration started; registers whose cycles run from it need it."""


class PreflightMember(Inbound, kw_only=True, frozen=True):
    person_id: uuid.UUID
    registrations: Annotated[list[PreflightRegistration], msgspec.Meta(max_length=20)] = (
        msgspec.field(default_factory=list)
    )


class PreflightRecognition(Inbound, kw_only=True, frozen=True):
    """A body's recognition of the facilitator, and the role it gives where it names one."""

    register: RegisterCodeIn
    role: ShortText | None = None


class PreflightIn(Inbound, kw_only=True, frozen=True):
    """A group as it will be after a member joins, or a session as it is planned."""

    examples = (
        {
            "group_size": 7,
            "mode": "in_person",
            "planned_minutes": 150,
            "facilitator_recognitions": [{"register": "LVSC", "role": "supervisor"}],
            "members": [
                {
                    "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04",
                    "registrations": [{"register": "SKJ", "number": "110001234"}],
                }
            ],
        },
    )

    group_size: Annotated[int, msgspec.Meta(ge=1, le=100)]
    """The group's members after the change, the joining member included."""
    mode: Literal["in_person", "online", "hybrid"]
    """How the group meets, or how the planned session is held."""
    planned_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] | None = None
    """A planned session's length; left out for a group."""
    facilitator_recognitions: Annotated[list[PreflightRecognition], msgspec.Meta(max_length=20)] = (
        msgspec.field(default_factory=list)
    )
    """The facilitator's recognitions; none for a group without a recognised facilitator."""
    members: Annotated[list[PreflightMember], msgspec.Meta(max_length=100)]
    """The members with the registrations they hold (each person once)."""


class PreflightWarning(Outbound, omit_defaults=True, frozen=True):
    """A register rule the group or the session will break: hours that will not count."""

    register: str
    """The canonical code of the register whose rule it is."""
    rule: str
    """The rule's name, as the ledger names it when it refuses (`group_max`, `online`, ...)."""
    message: str
    person_id: uuid.UUID | None = None
    """The member it concerns, when it is one member's (`registered_on`)."""


class PreflightResult(Outbound, frozen=True):
    warnings: list[PreflightWarning]
    """Empty when every register the members hold would count the group's sessions."""
