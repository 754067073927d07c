from __future__ import annotations

import uuid

from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.db import Conn
from services.kit.openapi import problems, upsert_responses, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor

from ..principal import Principal
from . import service
from .schemas import BillingProfile, BillingProfileIn, BillingProfilePage

Me = NamedDependency[Principal]


class BillingProfileController(Controller):
    path = "/v1/billing-profiles"
    tags = ("billing profiles",)

    @put(
        "/{facilitator_id:uuid}",
        operation_id="upsertBillingProfile",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(BillingProfile, 422),
    )
    async def upsert(
        self,
        conn: Conn,
        principal: Me,
        facilitator_id: FromPath[uuid.UUID],
        data: JSONBody[BillingProfileIn],
    ) -> Response[BillingProfile]:
        """Create or update a facilitator's billing profile (idempotent).

        An admin writes any facilitator's profile; a facilitator only their own.
        """
        return upserted(*await service.upsert(conn, principal, facilitator_id, data))

    @get(
        "/{facilitator_id:uuid}",
        operation_id="getBillingProfile",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def get_one(
        self, conn: Conn, principal: Me, facilitator_id: FromPath[uuid.UUID]
    ) -> BillingProfile:
        """A facilitator's billing profile; a facilitator sees only their own."""
        return await service.get(conn, principal, facilitator_id)

    @get("/", operation_id="listBillingProfiles", guards=[requires("admin")], responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> BillingProfilePage:
        """Billing profiles in creation order, a page at a time."""
        return await service.page(conn, principal, after=decode_cursor(cursor), limit=limit)
