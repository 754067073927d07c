from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from services.kit.schemas import Inbound, Name, Outbound

KvkNumber = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9]{8}$", description="Dutch Chamber of Commerce number.")
]


class ClientOrganisationIn(Inbound, frozen=True):
    examples = ({"name": "Gemeente Utrecht", "kvk_number": "30280353"},)

    name: Name
    kvk_number: KvkNumber | None = None


class ClientOrganisation(Outbound, frozen=True):
    id: uuid.UUID
    external_id: str
    name: str
    kvk_number: str | None
    created_at: datetime
    updated_at: datetime


class ClientOrganisationPage(Outbound, frozen=True):
    items: list[ClientOrganisation]
    next_cursor: str | None
