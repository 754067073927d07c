from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Inbound, Outbound

from ..people.schemas import RegisterCode

Role = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=80,
        pattern=PRINTABLE_NOT_BLANK,
        description="What the register recognises, e.g. 'supervisor' or 'gespreksleider'.",
    ),
]


class Recognition(Inbound, Outbound, frozen=True):
    """A register's recognition of the facilitator (e.g. LVSC supervisor, NOvA gespreksleider)."""

    register: RegisterCode
    role: Role
    number: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=PRINTABLE_NOT_BLANK)]
        | None
    ) = None


class FacilitatorIn(Inbound, frozen=True):
    examples = (
        {"recognitions": [{"register": "LVSC", "role": "supervisor", "number": "LVSC-0042"}]},
    )

    recognitions: list[Recognition] = msgspec.field(default_factory=list)


class Facilitator(Outbound, frozen=True):
    person_id: uuid.UUID
    given_name: str
    family_name: str
    recognitions: list[Recognition]
    created_at: datetime
    updated_at: datetime


class FacilitatorPage(Outbound, frozen=True):
    items: list[Facilitator]
    next_cursor: str | None
