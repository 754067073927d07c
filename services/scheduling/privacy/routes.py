"""``/v1/subjects/{person_id}``: what scheduling holds about a person, and its part of their
erasure (the person's one request across the three services is ``privacy_requests``)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from services.kit.db import Conn
from services.kit.openapi import problems, upserted
from services.kit.privacy import processing_log
from services.kit.privacy.routes import erasure_responses
from services.kit.subjects import SubjectErasure

from ..principal import Principal
from . import service
from .schemas import SchedulingExport

Me = NamedDependency[Principal]
PersonId = FromPath[uuid.UUID]

EXPORTED = {
    HTTP_200_OK: ResponseSpec(
        SchedulingExport,
        description="Everything scheduling holds about the person, streamed.",
        generate_examples=False,
    ),
    **problems(),
}


class SubjectController(Controller):
    path = "/v1/subjects/{person_id:uuid}"
    tags = ("privacy",)

    @get(
        "/export",
        operation_id="exportSubject",
        responses=EXPORTED,
        opt=processing_log.logged_read(),
    )
    async def export(self, conn: Conn, principal: Me, state: State, person_id: PersonId) -> Stream:
        """Everything scheduling holds about one person, kind by kind (`records`), each record
        with its `id`: the person, their registrations, memberships, consents, the agreements
        they accepted, their attendance and signatures, amendments of it, their facilitator
        recognitions, calendar feed URLs, erasure requests, and the events that named them.

        An admin exports anyone of the organisation; a participant only themselves (403, rule
        `own_records_only`). Every export is written to the processing log. The person's one
        request for all three services is `exportPerson`.
        """
        chunks = await service.export(conn, principal, person_id, pool=state.pool)
        return Stream(chunks, media_type="application/json")

    @post(
        "/erasure",
        operation_id="eraseSubject",
        status_code=HTTP_200_OK,
        responses=erasure_responses(),
    )
    async def erase(
        self, conn: Conn, principal: Me, person_id: PersonId
    ) -> Response[SubjectErasure]:
        """Scheduling's part of the person's erasure: pseudonymised, once.

        Their name becomes `Erased person`; their e-mail, external id, manager, career start,
        registrations and facilitator recognitions are removed, their calendar feed URLs
        revoked, and the snapshots of the events that named them redacted alike. The person's
        row, memberships and attendance stay, so that groups and sessions still count them.
        201 when this call erased them, 200 with the same record after; `subject.erased`
        announces it. The person's one request for all three services is `erasePerson`.
        """
        return upserted(*await service.erase(conn, principal, person_id))

    @get("/erasure", operation_id="getSubjectErasure", responses=problems())
    async def get_erasure(self, conn: Conn, principal: Me, person_id: PersonId) -> SubjectErasure:
        """Scheduling's part of the person's erasure, once done (404 before)."""
        return await service.get_erasure(conn, principal, person_id)
