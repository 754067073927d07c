"""``/v1/subjects/{person_id}``: what accreditation holds about a person, and its part of their
erasure (the person's one request across the three services is scheduling's)."""

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

from ..ledger.chain import Signer
from ..principal import Principal
from . import service
from .schemas import AccreditationExport

Me = NamedDependency[Principal]
PersonId = FromPath[uuid.UUID]

EXPORTED = {
    HTTP_200_OK: ResponseSpec(
        AccreditationExport,
        description="Everything accreditation holds about the person, streamed.",
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
        """Everything accreditation holds about one person, kind by kind (`records`), each
        record with its `id`: their ledger entries, outcomes, their part of the closed sessions'
        snapshots, attendance confirmations, consents, credentials (each also a PDF in
        `documents`), reflection statements, the events about them, the processing log of
        their data and the erasure.

        An admin exports anyone of the organisation; a participant only themselves (403, rule
        `own_records_only`). Every export is written to the processing log.
        """
        chunks = await service.export(conn, principal, person_id, pool=state.pool)
        return Stream(chunks, media_type="application/json")

    @post(
        "/erasure",
        operation_id="eraseSubject",
        status_code=HTTP_200_OK,
        responses=erasure_responses(409),
    )
    async def erase(
        self, conn: Conn, principal: Me, state: State, person_id: PersonId
    ) -> Response[SubjectErasure]:
        """Accreditation's part of the person's erasure, once.

        The ledger keeps every entry and its counts, and still verifies: the person's name and
        registration number are shredded (ADR 0092), so registrars see the entries as
        `erased`, and the person's totals are gone. Their credentials are revoked (their
        status list positions stay revoked) and the signed tokens erased; their outcomes,
        reflection statements and attendance confirmations are deleted, and the closed
        sessions' snapshots and the events about them keep neither name nor number. 201 when
        this call erased them, 200 with the same record after; `subject.erased` announces it.
        409 when a version-1 entry of theirs no longer matches its hash (nothing is erased).
        """
        signer: Signer = state.signer
        return upserted(*await service.erase(conn, principal, person_id, signer=signer))

    @get(
        "/erasure",
        operation_id="getSubjectErasure",
        responses=problems(),
    )
    async def get_erasure(self, conn: Conn, principal: Me, person_id: PersonId) -> SubjectErasure:
        """Accreditation's part of the person's erasure, once done (404 before)."""
        return await service.get_erasure(conn, principal, person_id)
