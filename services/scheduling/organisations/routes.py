from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.params import ExternalIdPath
from services.kit.routes import upsert

from ..principal import Principal
from . import service
from .schemas import ClientOrganisation, ClientOrganisationIn, ClientOrganisationPage

Me = NamedDependency[Principal]


class ClientOrganisationController(Controller):
    path = "/v1/client-organisations"
    tags = ("client organisations",)

    @upsert(
        ClientOrganisation,
        "/by-external-id/{external_id:str}",
        operation_id="upsertClientOrganisation",
        opt=links(
            link("getClientOrganisation", client_organisation_id="id"),
            link("getClientOrganisationByExternalId", external_id="$request.path.external_id"),
            link("upsertPerson", body={"employer_id": "id"}),
        ),
    )
    async def upsert(
        self,
        conn: Conn,
        principal: Me,
        external_id: ExternalIdPath,
        data: JSONBody[ClientOrganisationIn],
    ) -> Response[ClientOrganisation]:
        """Create or update a client organisation by the caller's own id (idempotent)."""
        return upserted(*await service.upsert(conn, principal, external_id, data))

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getClientOrganisationByExternalId",
        responses=problems(),
    )
    async def get_by_external_id(
        self, conn: Conn, principal: Me, external_id: ExternalIdPath
    ) -> ClientOrganisation:
        """One client organisation, by the caller's own id."""
        return await service.get_by_external_id(conn, principal, external_id)

    @get(
        "/{client_organisation_id:uuid}",
        operation_id="getClientOrganisation",
        responses=problems(),
    )
    async def get_one(
        self, conn: Conn, principal: Me, client_organisation_id: FromPath[uuid.UUID]
    ) -> ClientOrganisation:
        """One client organisation."""
        return await service.get(conn, principal, client_organisation_id)

    @get("/", operation_id="listClientOrganisations", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> ClientOrganisationPage:
        """Client organisations in creation order, a page at a time."""
        return await service.page(conn, principal, keyset(cursor, limit))
