from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from services.kit.db import Conn
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.privacy import processing_log

from ..principal import Principal
from ..registers.rules import INPUT_PATTERN
from . import service
from .schemas import OutcomePage

Me = NamedDependency[Principal]
RegisterQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=INPUT_PATTERN,
        description="Only this register (`NIP`; common spellings such as `NOvA` also do).",
    ),
]


class SessionOutcomeController(Controller):
    path = "/v1/sessions/{session_id:uuid}/outcomes"
    tags = ("outcomes",)

    @get("/", operation_id="listSessionOutcomes", responses=problems())
    async def outcomes(
        self,
        conn: Conn,
        principal: Me,
        session_id: FromPath[uuid.UUID],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> OutcomePage:
        """What a closed session earned, for whom, and why not: one outcome per attendee and
        register (`recorded`, `refused` or `pending`), every rule named."""
        return await service.session_outcomes(conn, principal, session_id, keyset(cursor, limit))


class PersonOutcomeController(Controller):
    path = "/v1/people/{person_id:uuid}/outcomes"
    tags = ("outcomes",)

    @get("/", operation_id="listPersonOutcomes", responses=problems())
    async def outcomes(
        self,
        conn: Conn,
        principal: Me,
        person_id: FromPath[uuid.UUID],
        register: RegisterQuery = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> OutcomePage:
        """A person's outcomes of closed sessions, in every register or one: what counted, what
        was refused and what waits for data, every rule named."""
        return await service.person_outcomes(
            conn, principal, person_id, keyset(cursor, limit), register=register
        )


class RegistrarOutcomeController(Controller):
    path = "/v1/registrar/outcomes"
    tags = ("registration bodies",)

    @get(
        "/",
        operation_id="listRegistrantOutcomes",
        responses=problems(),
        opt=processing_log.logged_read(),
    )
    async def outcomes(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> OutcomePage:
        """The outcomes in the token's register of registrants who consented: what counted,
        what was refused and what waits for data. Every registrant shown is written to the
        processing log."""
        return await service.registrar_outcomes(conn, principal, keyset(cursor, limit))
