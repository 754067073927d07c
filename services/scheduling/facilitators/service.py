"""Facilitators' use cases: each runs on the caller's connection, rules from ``rules.py``, SQL
from ``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.pagination import Keyset, next_cursor

from ..principal import Principal
from . import repository, rules
from .schemas import Facilitator, FacilitatorIn, FacilitatorPage


async def upsert(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, data: FacilitatorIn
) -> tuple[Facilitator, bool]:
    """The facilitator and whether the person became one now."""
    rules.check_recognitions(data.recognitions)
    return await repository.upsert(conn, principal.org_id, person_id, data.recognitions)


async def get(conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID) -> Facilitator:
    return await repository.get(conn, principal.org_id, person_id)


async def page(conn: asyncpg.Connection, principal: Principal, asked: Keyset) -> FacilitatorPage:
    items = await repository.page(conn, principal.org_id, asked)
    ids = [f.person_id for f in items]
    return FacilitatorPage(items=items[: asked.limit], next_cursor=next_cursor(ids, asked.limit))
