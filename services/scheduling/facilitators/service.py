"""Facilitators' use cases: each runs on the caller's connection, rules from ``rules.py``, SQL
from ``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, next_cursor
from services.kit.policy import TENANT

from ..groups.rules import NOBODY
from ..policy import MEMBER, POLICY
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
    """A facilitator the caller's scope reaches (``policy.py``: a facilitator itself, a
    participant the facilitators of its groups); any other is a 404."""
    facilitator = await repository.get(conn, principal.org_id, person_id)
    scope = POLICY.scope("getFacilitator", principal)
    reached = scope == TENANT or principal.person == person_id
    if not reached and scope == MEMBER and principal.person is not None:
        reached = await repository.facilitates_for(
            conn, principal.org_id, person_id, principal.person
        )
    if not reached:
        raise NotFound(f"No facilitator {person_id}.")
    return facilitator


async def page(conn: asyncpg.Connection, principal: Principal, asked: Keyset) -> FacilitatorPage:
    """Every facilitator for an admin; a facilitator itself alone (``policy.py``)."""
    only = None
    if POLICY.scope("listFacilitators", principal) != TENANT:
        only = principal.person or NOBODY
    items = await repository.page(conn, principal.org_id, asked, only=only)
    ids = [f.person_id for f in items]
    return FacilitatorPage(items=items[: asked.limit], next_cursor=next_cursor(ids, asked.limit))
