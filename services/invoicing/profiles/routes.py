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
from .schemas import BillingProfile, BillingProfileIn, BillingProfilePage

Me = NamedDependency[Principal]


class BillingProfileController(Controller):
    path = "/v1/billing-profiles"
    tags = ("billing profiles",)

    @upsert(
        BillingProfile,
        "/{facilitator_id:uuid}",
        operation_id="upsertBillingProfile",
        opt=links(
            link("getBillingProfile", facilitator_id="$request.path.facilitator_id"),
            link("createCostSheet", body={"facilitator_id": "$request.path.facilitator_id"}),
        ),
        errors=(409,),
        rules=(
            "iban_format",
            "iban_country",
            "iban_length",
            "iban_checksum",
            "btw_format",
            "btw_checksum",
            "kvk_format",
            "exemption_text_only_when_exempt",
            "constraint",
        ),
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

        Within the organisation an invoice prefix names one supplier (KvK number): a prefix
        that another supplier numbers with, or that a profile of another supplier holds, is
        a 409 with rule `prefix_of_another_supplier` on `body.invoice_prefix`. Facilitators
        who share a KvK number are one supplier and may share a prefix. Prefixes are checked
        per organisation only: another organisation's prefixes are neither seen nor refused.
        """
        return upserted(*await service.upsert(conn, principal, facilitator_id, data))

    @get(
        "/{facilitator_id:uuid}",
        operation_id="getBillingProfile",
        responses=problems(),
    )
    async def get_one(
        self, conn: Conn, principal: Me, facilitator_id: FromPath[uuid.UUID]
    ) -> BillingProfile:
        """A facilitator's billing profile; a facilitator sees only their own."""
        return await service.get(conn, principal, facilitator_id)

    @get("/", operation_id="listBillingProfiles", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> BillingProfilePage:
        """Billing profiles in creation order, a page at a time."""
        return await service.page(conn, principal, keyset(cursor, limit))
