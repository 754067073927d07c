from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.openapi import problems, upsert_responses, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..principal import Principal
from . import repository, rules
from .schemas import Facilitator, FacilitatorIn, FacilitatorPage


class FacilitatorController(Controller):
    path = "/v1/facilitators"
    tags = ("facilitators",)

    @put(
        "/{person_id:uuid}",
        operation_id="upsertFacilitator",
        guards=[requires("admin")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(Facilitator, 422),
    )
    async def upsert(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        person_id: FromPath[uuid.UUID],
        data: JSONBody[FacilitatorIn],
    ) -> Response[Facilitator]:
        """Make a person a facilitator, or update the registers that recognise them."""
        rules.check_recognitions(data.recognitions)
        facilitator, created = await repository.upsert(
            conn, principal.org_id, person_id, data.recognitions
        )
        return upserted(facilitator, created)

    @get(
        "/{person_id:uuid}",
        operation_id="getFacilitator",
        guards=[requires("admin", "facilitator", "participant", "hr")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        person_id: FromPath[uuid.UUID],
    ) -> Facilitator:
        """One facilitator with their recognitions."""
        return await repository.get(conn, principal.org_id, person_id)

    @get(
        "/",
        operation_id="listFacilitators",
        guards=[requires("admin", "facilitator", "hr")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> FacilitatorPage:
        """Facilitators, a page at a time."""
        items = await repository.page(
            conn, principal.org_id, after=decode_cursor(cursor), limit=limit
        )
        return FacilitatorPage(
            items=items[:limit], next_cursor=next_cursor([f.person_id for f in items], limit)
        )
