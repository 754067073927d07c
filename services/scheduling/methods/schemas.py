from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Inbound, Name, Outbound

MethodKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{1,63}$",
        description="A short stable key, e.g. 'incidentmethode'.",
    ),
]
Step = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PRINTABLE_NOT_BLANK)]


class MethodIn(Inbound, frozen=True):
    examples = (
        {
            "key": "reflectiecirkel",
            "name": "Reflectiecirkel",
            "minutes": 60,
            "steps": ["Casus inbrengen", "Vragen stellen", "Reflecteren", "Afronden"],
        },
    )

    key: MethodKey
    name: Name
    minutes: Annotated[int, msgspec.Meta(ge=5, le=480)]
    steps: Annotated[list[Step], msgspec.Meta(min_length=1, max_length=20)]


class Method(Outbound, frozen=True):
    id: uuid.UUID
    key: str
    name: str
    minutes: int
    steps: list[str]
    catalogue: bool
    """True for Kring's reference catalogue; false for a method the organisation added."""


class MethodList(Outbound, frozen=True):
    items: list[Method]
