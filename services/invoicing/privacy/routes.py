from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.privacy import processing_log
from services.kit.privacy.routes import erasure_responses
from services.kit.subjects import SubjectErasure

from ..principal import Principal
from . import service
from .schemas import SubjectExport

Me = NamedDependency[Principal]
PersonId = FromPath[uuid.UUID]

_EXPORT = {
    HTTP_200_OK: ResponseSpec(
        SubjectExport,
        description="Everything invoicing holds about the person, streamed.",
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
        responses=_EXPORT,
        opt=processing_log.logged_read(),
    )
    async def export(self, conn: Conn, principal: Me, state: State, person_id: PersonId) -> Stream:
        """Everything invoicing holds about a person (GDPR art. 15), as JSON: their invoices
        (drafts too) and credit notes, their shares of cost sheets, their billing choice, the
        debtors that are the person, and their attendance of closed sessions waiting to be
        billed, each record with its `id`. `documents` names the PDF of each issued invoice
        and credit note (`href`). A participant exports only themselves: another person is a
        403 with rule `own_records_only`. Every export is written to the processing log."""
        await service.check_may_export(conn, principal, person_id)
        return Stream(
            service.export(state.pool, principal.org_id, person_id), media_type="application/json"
        )

    @post(
        "/erasure",
        operation_id="eraseSubject",
        status_code=HTTP_201_CREATED,
        responses=erasure_responses(409),
        opt=links(link("getSubjectErasure", person_id="$request.path.person_id")),
    )
    async def erase(
        self, conn: Conn, principal: Me, person_id: PersonId
    ) -> Response[SubjectErasure]:
        """Invoicing's part of a person's erasure (GDPR art. 17): their billing choice, their
        own debtors, and their name and debtor in cost sheets and in closings waiting to be
        billed are erased. Their issued invoices and credit notes are kept by law: each is in
        `held` with the legal reason (AWR art. 52(4), GDPR art. 17(3)(b)) and `until`, the
        last day it is kept (31 December, seven years, or the organisation's longer retention,
        after the year of issue); the retention job removes them after it and then sets
        `status` to `erased`. While an invoice of the person is unpaid or not yet issued the
        erasure is refused, 409 with rule `open_obligations` and the invoices in `invoices`,
        and nothing is erased. A second request answers the first one's record (200).
        Announced as `subject.erased`."""
        return upserted(*await service.erase(conn, principal, person_id))

    @get("/erasure", operation_id="getSubjectErasure", responses=problems())
    async def get_erasure(self, conn: Conn, principal: Me, person_id: PersonId) -> SubjectErasure:
        """The record of the person's erasure in invoicing: what is still held, and until when;
        404 when none was requested."""
        return await service.get_erasure(conn, principal, person_id)
