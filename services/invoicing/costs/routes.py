from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.errors import FieldError, NotFound
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..debtors import repository as debtors
from ..invoices import repository as invoices
from ..invoices import rules as invoice_rules
from ..principal import Principal
from ..profiles import repository as profiles
from ..profiles.schemas import BillingProfile
from . import repository, rules
from .schemas import CostSheet, CostSheetIn, CostSheetPage, Reconciliation


async def _readable(
    conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID
) -> CostSheet:
    sheet = await repository.get(conn, principal.org_id, sheet_id)
    if not invoice_rules.may_write(principal, sheet.facilitator_id):
        raise NotFound(f"No cost sheet {sheet_id}.")
    return sheet


async def record(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: CostSheetIn, profile: BillingProfile
) -> tuple[CostSheet, list[uuid.UUID]]:
    """Record a session's cost sheet and its drafts (one per sharing participant) in the
    caller's transaction: the rates, BTW mode and series come from ``profile``.

    The one way a cost sheet is made, by ``POST /v1/cost-sheets`` and by a
    ``session.closed`` event. Returns the sheet and its drafts' ids in the sheet's order.
    """
    lines = rules.sheet_lines(
        data,
        hourly_rate_cents=profile.hourly_rate_cents,
        rate_per_km_cents=profile.rate_per_km_cents,
    )
    rules.check_sheet(data, lines)
    stored = await debtors.many(
        conn, org_id, [p.debtor_id for p in data.participants if p.debtor_id]
    )
    sheet = await repository.insert(
        conn,
        org_id,
        data,
        participants=rules.resolve(data.participants, stored),
        hourly_rate_cents=profile.hourly_rate_cents,
        rate_per_km_cents=profile.rate_per_km_cents,
    )
    drafts = await invoices.insert_drafts(
        conn,
        org_id,
        sheet,
        seller=invoice_rules.seller(profile),
        drafts=invoice_rules.drafts(sheet, btw_rate_percent=invoice_rules.rate_percent(profile)),
    )
    return sheet, drafts


class CostSheetController(Controller):
    path = "/v1/cost-sheets"
    tags = ("cost sheets",)

    @post(
        "/",
        operation_id="createCostSheet",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415, 422),
    )
    async def create(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[CostSheetIn],
    ) -> CostSheet:
        """Record a session's costs and split them: one draft invoice per sharing participant.

        The facilitator's billing profile gives the rates, the BTW mode and the invoice
        series. The total is split equally in whole cents; the leftover cents go one
        each to the first sharing participants in the order given. A session has one
        cost sheet (a second is a 409). An admin records any facilitator's costs, a
        facilitator only their own.
        """
        invoice_rules.check_may_write(principal, data.facilitator_id)
        profile = await profiles.find(conn, principal.org_id, data.facilitator_id)
        if profile is None:
            raise NotFound(
                f"No billing profile of facilitator {data.facilitator_id}.",
                errors=[
                    FieldError(
                        field="body.facilitator_id", rule="exists", message="no billing profile"
                    )
                ],
            )
        sheet, _ = await record(conn, principal.org_id, data, profile)
        return sheet

    @get(
        "/{cost_sheet_id:uuid}",
        operation_id="getCostSheet",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cost_sheet_id: FromPath[uuid.UUID],
    ) -> CostSheet:
        """One cost sheet, its lines and its total."""
        return await _readable(conn, principal, cost_sheet_id)

    @get(
        "/",
        operation_id="listCostSheets",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> CostSheetPage:
        """Cost sheets in creation order, a page at a time; a facilitator sees their own."""
        facilitator_id, _ = invoice_rules.reader_filter(principal)
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            facilitator_id=facilitator_id,
        )
        return CostSheetPage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )

    @get(
        "/{cost_sheet_id:uuid}/reconciliation",
        operation_id="reconcileCostSheet",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def reconciliation(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cost_sheet_id: FromPath[uuid.UUID],
    ) -> Reconciliation:
        """The cost sheet against its invoices: per cost type what was invoiced, the
        difference (zero when the split is exact), credit notes and BTW."""
        sheet = await _readable(conn, principal, cost_sheet_id)
        return invoice_rules.reconcile(
            sheet, await invoices.of_cost_sheet(conn, principal.org_id, sheet.id)
        )
