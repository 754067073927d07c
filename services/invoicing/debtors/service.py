"""Debtors' use cases, on the caller's connection: rules from ``rules.py``, SQL from
``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.pagination import Keyset, page_of

from ..principal import Principal
from . import repository, rules
from .schemas import DebtorIn, StoredDebtor, StoredDebtorPage


async def upsert(
    conn: asyncpg.Connection, principal: Principal, external_id: str, data: DebtorIn
) -> tuple[StoredDebtor, bool]:
    """The debtor, and whether it is new."""
    return await repository.upsert(conn, principal.org_id, external_id, rules.check(data))


async def get(conn: asyncpg.Connection, principal: Principal, debtor_id: uuid.UUID) -> StoredDebtor:
    return await repository.get(conn, principal.org_id, debtor_id, seen_by=rules.seen_by(principal))


async def by_external_id(
    conn: asyncpg.Connection, principal: Principal, external_id: str
) -> StoredDebtor:
    return await repository.get_by_external_id(
        conn, principal.org_id, external_id, seen_by=rules.seen_by(principal)
    )


async def page(conn: asyncpg.Connection, principal: Principal, asked: Keyset) -> StoredDebtorPage:
    """The tenant's debtors an admin sees, or those a facilitator sees (``rules.seen_by``)."""
    items = await repository.page(conn, principal.org_id, asked, seen_by=rules.seen_by(principal))
    return page_of(StoredDebtorPage, items, asked.limit)
