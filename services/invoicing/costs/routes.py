from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset

from ..principal import Principal
from . import checks, rules, service
from .schemas import CostSheet, CostSheetIn, CostSheetPage, CostsIn, Reconciliation
from .sessions import Sessions, provide_sessions

Me = NamedDependency[Principal]
Scheduling = NamedDependency[Sessions]
CostSheetId = FromPath[uuid.UUID]


class CostSheetController(Controller):
    path = "/v1/cost-sheets"
    tags = ("cost sheets",)

    @post(
        "/",
        operation_id="createCostSheet",
        opt=links(
            *(
                link(target, cost_sheet_id="id")
                for target in ("getCostSheet", "reviseCostSheet", "reconcileCostSheet")
            ),
            link("listInvoices", **{"query.cost_sheet_id": "id"}),  # type: ignore[arg-type]
        ),
        status_code=HTTP_201_CREATED,
        responses=problems(
            409,
            413,
            415,
            503,
            rules=(*checks.SESSION_RULES, *rules.SHEET_RULES),
        ),
        dependencies={"sessions": Provide(provide_sessions, sync_to_thread=False)},
    )
    async def create(
        self, conn: Conn, principal: Me, sessions: Scheduling, data: JSONBody[CostSheetIn]
    ) -> CostSheet:
        """Record a session's costs and split them: one draft invoice per sharing participant.

        The facilitator's billing profile gives the rates, the BTW mode and the invoice
        series. The total is split equally in whole cents; the leftover cents go one
        each to the first sharing participants in the order given. An admin records any
        facilitator's costs, a facilitator only their own. (A session closed in scheduling
        is billed from its event without this call.)

        The session must be one scheduling knows, asked with the caller's token: unknown
        to the caller (`session_unknown`), cancelled (`session_cancelled`) or facilitated by
        someone else (`session_facilitator`) is a 422 on `body.session_id`. When scheduling
        cannot be asked the sheet is not recorded: 503, rule `scheduling_unavailable`, with
        `Retry-After` when trying again may help.

        A session has one current cost sheet. While none of its invoices is issued, correct
        it with `PUT /v1/cost-sheets/{id}`; a second sheet is a 409 (`unique`, `extra.
        cost_sheet_id` names it). Once its invoices are issued, credit them: a sheet whose
        invoices are all credited (drafts left over are discarded) is replaced by a new one,
        and is marked `superseded_at`; before that, a 409 (`sheet_has_issued_invoice`).
        """
        return await service.create(conn, principal, data, sessions=sessions)

    @put(
        "/{cost_sheet_id:uuid}",
        operation_id="reviseCostSheet",
        responses=problems(
            409,
            413,
            415,
            rules=rules.SHARE_RULES,
        ),
    )
    async def revise(
        self, conn: Conn, principal: Me, cost_sheet_id: CostSheetId, data: JSONBody[CostsIn]
    ) -> CostSheet:
        """Revise a cost sheet before any of its invoices is issued: its costs are replaced by
        those sent (a figure left out is 0), its lines recomputed and its drafts made again,
        to the cent, for the same participants in the same order (so the same sharers get
        the leftover cents). The session's facts (times, participants, who shares) and the
        sheet's rates stay. `revision` counts up, `revised_at` says when.

        Refused with a 409 on `path.cost_sheet_id` once one of its invoices is issued, paid
        or credited (`sheet_has_issued_invoice`: only credit notes and a new sheet correct it
        then), when its drafts were discarded because the session was cancelled
        (`sheet_undone`), or when a newer sheet replaced it (`sheet_superseded`). A revision
        leaving a sharer less than a cent is a 422 (`share_at_least_one_cent`).
        """
        return await service.revise(conn, principal, cost_sheet_id, data)

    @get("/{cost_sheet_id:uuid}", operation_id="getCostSheet", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, cost_sheet_id: CostSheetId) -> CostSheet:
        """One cost sheet, its lines and its total."""
        return await service.get(conn, principal, cost_sheet_id)

    @get("/", operation_id="listCostSheets", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> CostSheetPage:
        """Cost sheets in creation order, a page at a time; a facilitator sees their own."""
        return await service.page(conn, principal, keyset(cursor, limit))

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
