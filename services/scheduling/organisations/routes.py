from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.errors import NotFound
from services.kit.openapi import problems, upsert_responses, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..principal import Principal
from . import repository, rules
from .schemas import (
    ClientOrganisation,
    ClientOrganisationIn,
    ClientOrganisationPage,
    ExternalIdPath,
)


def _check_visible(principal: Principal, organisation: ClientOrganisation) -> ClientOrganisation:
    only = rules.visible_organisation(principal)
    if only is not None and organisation.id != only:
        raise NotFound(f"No client organisation {organisation.id}.")
    return organisation


class ClientOrganisationController(Controller):
    path = "/v1/client-organisations"
    tags = ("client organisations",)

    @put(
        "/by-external-id/{external_id:str}",
        operation_id="upsertClientOrganisation",
        guards=[requires("admin")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(ClientOrganisation),
    )
    async def upsert(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
        data: JSONBody[ClientOrganisationIn],
    ) -> Response[ClientOrganisation]:
        """Create or update a client organisation by the caller's own id (idempotent)."""
        organisation, created = await repository.upsert(conn, principal.org_id, external_id, data)
        return upserted(organisation, created)

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getClientOrganisationByExternalId",
        guards=[requires("admin", "hr", "facilitator")],
        responses=problems(),
    )
    async def get_by_external_id(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
    ) -> ClientOrganisation:
        """One client organisation, by the caller's own id."""
        organisation = await repository.get_by_external_id(conn, principal.org_id, external_id)
        return _check_visible(principal, organisation)

    @get(
        "/{client_organisation_id:uuid}",
        operation_id="getClientOrganisation",
        guards=[requires("admin", "hr", "facilitator")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        client_organisation_id: FromPath[uuid.UUID],
    ) -> ClientOrganisation:
        """One client organisation."""
        organisation = await repository.get(conn, principal.org_id, client_organisation_id)
        return _check_visible(principal, organisation)

    @get(
        "/",
        operation_id="listClientOrganisations",
        guards=[requires("admin", "hr", "facilitator")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ClientOrganisationPage:
        """Client organisations in creation order, a page at a time."""
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            only=rules.visible_organisation(principal),
        )
        return ClientOrganisationPage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )
