"""Billing profiles' use cases, on the caller's connection: rules from ``rules.py``, SQL from
``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, page_of

from ..principal import Principal
from . import repository, rules
from .schemas import BillingProfile, BillingProfileIn, BillingProfilePage


async def upsert(
    conn: asyncpg.Connection,
    principal: Principal,
    facilitator_id: uuid.UUID,
    data: BillingProfileIn,
) -> tuple[BillingProfile, bool]:
    """The profile as stored, and whether it is new; a facilitator writes only their own.

    Its invoice prefix must be its supplier's in the tenant (:func:`_hold_prefix`).
    """
    rules.check_may_write(principal, facilitator_id)
    prepared = rules.prepare(data)
    await _hold_prefix(conn, principal.org_id, facilitator_id, prepared)
    return await repository.upsert(conn, principal.org_id, facilitator_id, prepared)


async def _hold_prefix(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID, data: BillingProfileIn
) -> None:
    """Bind the profile's prefix to its supplier (KvK number) in the tenant, or refuse it.

    A free prefix is claimed. One that another supplier holds is handed over only while no
    number was ever issued under it in the tenant and no other profile holds it for another
    supplier (a KvK number corrected, a prefix given up); otherwise two suppliers' counters
    would write the same number string. The claim stays locked until the transaction ends,
    so of two upserts racing for one prefix, the second sees the first's outcome.
    """
    prefix, kvk_number = data.invoice_prefix, data.kvk_number
    holder = await repository.claim_prefix(conn, org_id, prefix, kvk_number, numbering=False)
    if holder != kvk_number and not await repository.take_over_prefix(
        conn, org_id, prefix, kvk_number, facilitator_id=facilitator_id
    ):
        raise rules.prefix_taken(prefix)


async def series_prefix(
    conn: asyncpg.Connection, org_id: uuid.UUID, prefix: str, kvk_number: str
) -> str:
    """The prefix that an invoice of supplier ``kvk_number``, made with ``prefix``, is numbered
    under in the tenant.

    ``prefix`` itself while it is the supplier's (claimed for it when free). Otherwise (the
    prefix was handed to another supplier, or went to another in the move to one series per
    supplier) the prefix the supplier claimed last; with none, a 409. The claim stays locked
    until the transaction ends and records that a number is issued under it, so it is never
    handed over afterwards.
    """
    holder = await repository.claim_prefix(conn, org_id, prefix, kvk_number, numbering=True)
    if holder == kvk_number:
        return prefix
    own = await repository.own_prefix(conn, org_id, kvk_number)
    if own is None:
        raise rules.no_prefix_of_its_own(prefix, kvk_number)
    return own


async def get(
    conn: asyncpg.Connection, principal: Principal, facilitator_id: uuid.UUID
) -> BillingProfile:
    """A facilitator's profile; another facilitator's is not found."""
    if not rules.may_access(principal, facilitator_id):
        raise NotFound(f"No billing profile of facilitator {facilitator_id}.")
    return await repository.get(conn, principal.org_id, facilitator_id)


async def page(conn: asyncpg.Connection, principal: Principal, asked: Keyset) -> BillingProfilePage:
    items = await repository.page(conn, principal.org_id, asked)
    return page_of(BillingProfilePage, items, asked.limit)
