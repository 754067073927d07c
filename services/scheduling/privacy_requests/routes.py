"""A person's one request across the three services: ``/v1/people/{person_id}/export`` (the
archive of everything Kring holds about them) and ``/v1/people/{person_id}/erasure``, with the
erasure requests it keeps (``/v1/erasure-requests``)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.privacy import processing_log

from ..principal import Principal
from . import service
from .client import Peers, provide_peers
from .schemas import ErasureRequest, ErasureRequestPage

Me = NamedDependency[Principal]
Of = NamedDependency[Peers]
PersonId = FromPath[uuid.UUID]
ZIP = "application/zip"

ARCHIVE = {
    HTTP_200_OK: ResponseSpec(
        bytes,
        media_type=ZIP,
        description="A ZIP archive: `scheduling.json`, `accreditation.json` and"
        " `invoicing.json` (each service's `exportSubject` answer), and every document they"
        " list under `documents/` (`documents/invoices/<number>.pdf`, ...); a document that"
        " could not be fetched while the archive was streamed is named in"
        " `documents/missing.json`.",
        generate_examples=False,
    ),
    **problems(),
}
REQUESTED = {
    HTTP_201_CREATED: ResponseSpec(
        ErasureRequest, description="The person is erased.", generate_examples=False
    ),
    **problems(409),
}
PEERS = {"peers": Provide(provide_peers, sync_to_thread=False)}
_REQUEST_LINKS = links(
    link("getErasureRequest", request_id="id"),
    link("getPerson", person_id="person_id"),
)


class PersonRequestController(Controller):
    path = "/v1/people/{person_id:uuid}"
    tags = ("privacy",)

    @get(
        "/export",
        operation_id="exportPerson",
        media_type=ZIP,
        responses=ARCHIVE,
        opt=processing_log.logged_read(),
        dependencies=PEERS,
    )
    async def export(
        self, conn: Conn, principal: Me, state: State, peers: Of, person_id: PersonId
    ) -> Stream:
        """Everything Kring holds about the person, from the three services, in one archive.

        Assembled over the services' own APIs (`exportSubject` of each) with the caller's
        token: an admin's for anyone of the organisation, a participant's for themselves only
        (403, rule `own_records_only`). Every service writes the export to its processing log.
        A service that cannot be reached is a 503 naming it, before the archive begins.
        """
        chunks = await service.export(conn, principal, person_id, pool=state.pool, peers=peers)
        return Stream(
            chunks,
            media_type=ZIP,
            headers={"Content-Disposition": f'attachment; filename="{person_id}.zip"'},
        )

    @post(
        "/erasure",
        operation_id="erasePerson",
        status_code=HTTP_200_OK,
        responses=REQUESTED,
        opt=_REQUEST_LINKS,
        dependencies=PEERS,
    )
    async def erase(
        self, conn: Conn, principal: Me, peers: Of, person_id: PersonId
    ) -> Response[ErasureRequest]:
        """Erase the person from Kring: invoicing, then accreditation, then scheduling.

        Invoicing refuses while an invoice of the person is unpaid: 409, rule
        `open_obligations`, naming the invoices in `extra`; nothing is erased, and the request
        is kept `refused` with that reason (`GET /v1/erasure-requests/{id}`, its id in
        `extra.erasure_request_id`). Paid invoices are kept for the law (`held`, with the
        reason and until when) and removed by the retention job when their time ends.
        Accreditation destroys the person's ledger key (the chain still verifies); scheduling
        pseudonymises them (`eraseSubject`). 201 with the completed request, announced by
        `person.erased`; asked again, 200 with the same request.
        """
        erased = await service.erase(conn, principal, person_id, peers=peers)
        return upserted(*erased)


class ErasureRequestController(Controller):
    path = "/v1/erasure-requests"
    tags = ("privacy",)

    @get("/", operation_id="listErasureRequests", responses=problems(), opt=_REQUEST_LINKS)
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        person_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ErasureRequestPage:
        """Erasure requests in the order they were made, a page at a time; optionally of one
        person."""
        return await service.page(conn, principal, keyset(cursor, limit), person_id=person_id)

    @get(
        "/{request_id:uuid}",
        operation_id="getErasureRequest",
        responses=problems(),
        opt=_REQUEST_LINKS,
    )
    async def get_one(
        self, conn: Conn, principal: Me, request_id: FromPath[uuid.UUID]
    ) -> ErasureRequest:
        """One erasure request: what each service did, what is held and why, or why it was
        refused."""
        return await service.get(conn, principal, request_id)
