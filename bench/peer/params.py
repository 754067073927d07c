"""The query both peers take, validated by FastAPI as conventional code does (422s)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status

from .auth import Registrar
from .rules import CURSOR_PATTERN, NUMBER_PATTERN, decode_cursor, normalise_code, spellings


@dataclass(frozen=True)
class Asked:
    """A registrar's page: the token's register, the numbers' spellings, the period, the page."""

    org_id: uuid.UUID
    subject: str
    register_code: str
    registration_numbers: list[str] | None
    from_date: date | None
    to_date: date | None
    after: uuid.UUID | None
    limit: int


def asked(
    principal: Registrar,
    registration_number: Annotated[str | None, Query(pattern=NUMBER_PATTERN)] = None,
    from_date: Annotated[date | None, Query(alias="from")] = None,
    to_date: Annotated[date | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Asked:
    assert principal.register_code is not None  # current_registrar refuses a token without
    register_code = normalise_code(principal.register_code)
    try:
        after = decode_cursor(cursor) if cursor else None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Not a cursor from this service.") from exc
    return Asked(
        org_id=principal.org_id,
        subject=principal.subject,
        register_code=register_code,
        registration_numbers=spellings(register_code, registration_number)
        if registration_number
        else None,
        from_date=from_date,
        to_date=to_date,
        after=after,
        limit=limit,
    )


AskedPage = Annotated[Asked, Depends(asked)]
