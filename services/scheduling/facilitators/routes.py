from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import upsert

from ..principal import Principal
from . import service
from .schemas import Facilitator, FacilitatorIn, FacilitatorPage

Me = NamedDependency[Principal]
PersonId = FromPath[uuid.UUID]


class FacilitatorController(Controller):
    path = "/v1/facilitators"
    tags = ("facilitators",)

    @upsert(
        Facilitator,
        "/{person_id:uuid}",
        operation_id="upsertFacilitator",
        opt=links(
            link("getFacilitator", person_id="$request.path.person_id"),
            link("createGroup", body={"facilitator_id": "$request.path.person_id"}),
        ),
        rules=("unique_recognition", "bsn"),
    )
    async def upsert(
        self, conn: Conn, principal: Me, person_id: PersonId, data: JSONBody[FacilitatorIn]
    ) -> Response[Facilitator]:
        """Make a person a facilitator, or update the registers that recognise them."""
        return upserted(*await service.upsert(conn, principal, person_id, data))

    @get("/{person_id:uuid}", operation_id="getFacilitator", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, person_id: PersonId) -> Facilitator:
        """One facilitator with their recognitions."""
        return await service.get(conn, principal, person_id)

    @get("/", operation_id="listFacilitators", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> FacilitatorPage:
        """Facilitators, a page at a time."""
        return await service.page(conn, principal, keyset(cursor, limit))
