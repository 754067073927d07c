"""The ledger's HTTP parameters (Litestar markers), kept out of the msgspec-only schemas."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from .schemas import NUMBER_PATTERN, RegistrationNumber

EntryIdPath = Annotated[uuid.UUID, PathParameter(description="A ledger entry's id.")]
FromDate = Annotated[
    date | None,
    QueryParameter(name="from", description="Sessions on or after this date (inclusive)."),
]
ToDate = Annotated[
    date | None,
    QueryParameter(name="to", description="Sessions on or before this date (inclusive)."),
]
RegistrationNumberQuery = Annotated[
    RegistrationNumber | None,
    QueryParameter(
        pattern=NUMBER_PATTERN,
        description="Only this registration number, with or without the register's prefix "
        "(`00123456` or `NIP-00123456`).",
    ),
]
