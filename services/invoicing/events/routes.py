"""Scheduling's events, received: ``POST /internal/events`` (Standard Webhooks); and the
closings invoicing could not bill yet, listed and billed: ``/v1/unbilled-sessions``.

Authenticity is the webhook signature (``/internal/`` paths take no JWT); what an event
does is ``service.py``'s. A 200 stops the producer's retries whatever the result; a
malformed event is a 400, a bad signature or stale timestamp a 401.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from services.kit.db import Conn
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import action

from ..costs.rules import SHEET_RULES
from ..principal import Principal
from . import service
from .schemas import Billed, EventResult, UnbilledSession, UnbilledSessionPage

Me = NamedDependency[Principal]
UnbilledId = FromPath[uuid.UUID]


class EventController(Controller):
    path = "/internal/events"
    include_in_schema = False

    @post("/", status_code=HTTP_200_OK)
    async def receive(self, request: Request[Any, Any, Any]) -> EventResult:
        """Apply one of scheduling's events, once."""
        state = request.app.state
        return await service.receive(
            state.pool, state.settings.webhook_secrets, request.headers, await request.body()
        )


class UnbilledSessionController(Controller):
    path = "/v1/unbilled-sessions"
    tags = ("unbilled sessions",)

    @get("/", operation_id="listUnbilledSessions", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> UnbilledSessionPage:
        """Sessions closed in scheduling that invoicing could not bill yet, each with its `rule`
        and `reason`, in the order they arrived; a facilitator sees their own.

        A closing is held when its facilitator has no billing profile
        (`billing_profile_required`) or the profile's sharing leaves nobody to bill
        (`sharers`, `share_at_least_one_cent`); each hold is announced as `session.unbilled`.
        Fix the cause, then bill it (`POST /v1/unbilled-sessions/{unbilled_session_id}/bill`).
        A session cancelled in scheduling, or given a cost sheet directly, leaves the list."""
        return await service.unbilled_page(conn, principal, keyset(cursor, limit))

    @get("/{unbilled_session_id:uuid}", operation_id="getUnbilledSession", responses=problems())
    async def get_one(
        self, conn: Conn, principal: Me, unbilled_session_id: UnbilledId
    ) -> UnbilledSession:
        """One session waiting to be billed, and why; 404 once it is billed or cancelled."""
        return await service.get_unbilled(conn, principal, unbilled_session_id)

    @action(
        "/{unbilled_session_id:uuid}/bill",
        operation_id="billUnbilledSession",
        errors=(409,),
        rules=("billing_profile_required", *SHEET_RULES),
    )
    async def bill(self, conn: Conn, principal: Me, unbilled_session_id: UnbilledId) -> Billed:
        """Bill a waiting session from its closing as received: its cost sheet and invoices are
        made as when the closing arrived, with the billing profile as it is now (drafts, or
        issued at once with `auto_issue`), and it leaves the list.

        Still refused: a 422 naming the rule (`billing_profile_required`, `sharers`,
        `share_at_least_one_cent`), and it keeps waiting."""
        return await service.bill_unbilled(conn, principal, unbilled_session_id)
