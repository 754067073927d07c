from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.db import Conn
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor

from ..principal import Principal
from . import service
from .schemas import CostSheet, CostSheetIn, CostSheetPage, Reconciliation

Me = NamedDependency[Principal]
CostSheetId = FromPath[uuid.UUID]


class CostSheetController(Controller):
    path = "/v1/cost-sheets"
    tags = ("cost sheets",)
    guards = (requires("admin", "facilitator"),)

    @post(
        "/",
        operation_id="createCostSheet",
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415, 422),
    )
    async def create(self, conn: Conn, principal: Me, data: JSONBody[CostSheetIn]) -> CostSheet:
        """Record a session's costs and split them: one draft invoice per sharing participant.

        The facilitator's billing profile gives the rates, the BTW mode and the invoice
        series. The total is split equally in whole cents; the leftover cents go one
        each to the first sharing participants in the order given. A session has one
        cost sheet (a second is a 409). An admin records any facilitator's costs, a
        facilitator only their own.
        """
        return await service.create(conn, principal, data)

    @get("/{cost_sheet_id:uuid}", operation_id="getCostSheet", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, cost_sheet_id: CostSheetId) -> CostSheet:
        """One cost sheet, its lines and its total."""
        return await service.get(conn, principal, cost_sheet_id)

    @get("/", operation_id="listCostSheets", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> CostSheetPage:
        """Cost sheets in creation order, a page at a time; a facilitator sees their own."""
        return await service.page(conn, principal, after=decode_cursor(cursor), limit=limit)

    @get(
        "/{cost_sheet_id:uuid}/reconciliation",
        operation_id="reconcileCostSheet",
        responses=problems(),
    )
    async def reconciliation(
        self, conn: Conn, principal: Me, cost_sheet_id: CostSheetId
    ) -> Reconciliation:
        """The cost sheet against its invoices: per cost type what was invoiced, the
        difference (zero when the split is exact), credit notes and BTW."""
        return await service.reconciliation(conn, principal, cost_sheet_id)
