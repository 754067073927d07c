"""Billing profiles' use cases, on the caller's connection: rules from ``rules.py``, SQL from
``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import page_of

from ..principal import Principal
from . import repository, rules
from .schemas import BillingProfile, BillingProfileIn, BillingProfilePage


async def upsert(
    conn: asyncpg.Connection,
    principal: Principal,
    facilitator_id: uuid.UUID,
    data: BillingProfileIn,
) -> tuple[BillingProfile, bool]:
    """The profile as stored, and whether it is new; a facilitator writes only their own."""
    rules.check_may_write(principal, facilitator_id)
    return await repository.upsert(conn, principal.org_id, facilitator_id, rules.prepare(data))


async def get(
    conn: asyncpg.Connection, principal: Principal, facilitator_id: uuid.UUID
) -> BillingProfile:
    """A facilitator's profile; another facilitator's is not found."""
    if not rules.may_access(principal, facilitator_id):
        raise NotFound(f"No billing profile of facilitator {facilitator_id}.")
    return await repository.get(conn, principal.org_id, facilitator_id)


async def page(
    conn: asyncpg.Connection, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> BillingProfilePage:
    items = await repository.page(conn, principal.org_id, after=after, limit=limit)
    return page_of(BillingProfilePage, items, limit)
