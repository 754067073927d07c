"""The credentials' HTTP parameters (Litestar markers), kept out of the msgspec-only schemas."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request
from litestar.params import PathParameter, QueryParameter

from ..registers.rules import INPUT_PATTERN
from .schemas import Kind

CredentialIdPath = Annotated[uuid.UUID, PathParameter(description="A credential's id.")]
IssuerPath = Annotated[
    uuid.UUID,
    PathParameter(description="The issuing organisation, as the credential's URLs name it."),
]
ListNumberPath = Annotated[
    str,
    PathParameter(
        pattern=r"^[1-9][0-9]{0,5}$",
        description="The status list's number (from 1), as a credential's"
        " `statusListCredential` names it.",
    ),
]
PersonQuery = Annotated[uuid.UUID | None, QueryParameter(description="Only this person's.")]
RegisterQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=INPUT_PATTERN,
        description="Only this register's (`SKJ`; common spellings such as `NOvA` also do).",
    ),
]
KindQuery = Annotated[
    Kind | None,
    QueryParameter(description="Only proofs of attendance (`session`) or statements (`period`)."),
]


def provide_base(request: Request[Any, Any, Any]) -> str:
    """Where the credentials' URLs start: ``KRING_PUBLIC_URL``, else the request's own base."""
    return str(request.app.state.settings.public_url or request.base_url).rstrip("/")
