from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import PathParameter

from services.kit.schemas import Inbound, Name, Outbound

ExternalIdPath = Annotated[
    str,
    PathParameter(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:@-]+$",
        description="The caller's own identifier (letters, digits and . _ : @ -).",
    ),
]
KvkNumber = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9]{8}$", description="Dutch Chamber of Commerce number.")
]


class ClientOrganisationIn(Inbound, frozen=True):
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
