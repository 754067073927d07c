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
from .schemas import BillingProfile, BillingProfileIn, BillingProfilePage


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
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        facilitator_id: FromPath[uuid.UUID],
        data: JSONBody[BillingProfileIn],
    ) -> Response[BillingProfile]:
        """Create or update a facilitator's billing profile (idempotent).

        An admin writes any facilitator's profile; a facilitator only their own.
        """
        rules.check_may_write(principal, facilitator_id)
        profile, created = await repository.upsert(
            conn, principal.org_id, facilitator_id, rules.prepare(data)
        )
        return upserted(profile, created)

    @get(
        "/{facilitator_id:uuid}",
        operation_id="getBillingProfile",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        facilitator_id: FromPath[uuid.UUID],
    ) -> BillingProfile:
        """A facilitator's billing profile; a facilitator sees only their own."""
        if not rules.may_access(principal, facilitator_id):
            raise NotFound(f"No billing profile of facilitator {facilitator_id}.")
        return await repository.get(conn, principal.org_id, facilitator_id)

    @get(
        "/",
        operation_id="listBillingProfiles",
        guards=[requires("admin")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> BillingProfilePage:
        """Billing profiles in creation order, a page at a time."""
        items = await repository.page(
            conn, principal.org_id, after=decode_cursor(cursor), limit=limit
        )
        return BillingProfilePage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )
