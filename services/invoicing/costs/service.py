"""Cost sheets' use cases, on the caller's connection: rules from ``rules.py``, SQL from
``repository.py``; the drafts a sheet is split into are stored by ``invoices``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import FieldError, NotFound
from services.kit.pagination import page_of

from ..debtors import repository as debtors
from ..invoices import repository as invoice_repository
from ..invoices import service as invoices
from ..principal import Principal
from ..profiles import repository as profiles
from ..profiles.schemas import BillingProfile
from . import repository, rules
from .schemas import CostSheet, CostSheetIn, CostSheetPage, Reconciliation


async def create(conn: asyncpg.Connection, principal: Principal, data: CostSheetIn) -> CostSheet:
    """Record a facilitator's cost sheet with the rates of their billing profile."""
    rules.check_may_bill(principal, data.facilitator_id)
    profile = await profiles.find(conn, principal.org_id, data.facilitator_id)
    if profile is None:
        raise NotFound(
            f"No billing profile of facilitator {data.facilitator_id}.",
            errors=[
                FieldError(field="body.facilitator_id", rule="exists", message="no billing profile")
            ],
        )
    sheet, _ = await record(conn, principal.org_id, data, profile)
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
    drafts = rules.drafts(sheet, btw_rate_percent=rules.rate_percent(profile))
    return sheet, await invoices.draft(conn, org_id, drafts, profile=profile)


async def get(conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID) -> CostSheet:
    """A cost sheet the caller may read; another facilitator's is not found."""
    sheet = await repository.get(conn, principal.org_id, sheet_id)
    if not rules.may_read(principal, sheet):
        raise NotFound(f"No cost sheet {sheet_id}.")
    return sheet


async def page(
    conn: asyncpg.Connection, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> CostSheetPage:
    """A page of the cost sheets the caller may read: a facilitator's own, or all."""
    items = await repository.page(
        conn,
        principal.org_id,
        after=after,
        limit=limit,
        facilitator_id=rules.facilitator_filter(principal),
    )
    return page_of(CostSheetPage, items, limit)


async def reconciliation(
    conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID
) -> Reconciliation:
    sheet = await get(conn, principal, sheet_id)
    billed = await invoice_repository.of_cost_sheet(conn, principal.org_id, sheet.id)
    return rules.reconcile(sheet, billed)
