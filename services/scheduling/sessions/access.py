"""Who reaches a session: the group's rule (``groups.rules``) applied to the session.

Reading needs sight of it: an admin, its facilitator, or a member who had not left when it
began; anyone else gets a 404. Changing it needs its facilitator (or an admin): a 403 for a
member, who sees it, and a 404 for anyone else, as for reading it.
"""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound

from ..groups import repository as groups
from ..groups.rules import check_facilitates, may_facilitate, may_see
from ..principal import Principal
from . import repository
from .schemas import Session


async def readable(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> Session:
    session = await repository.get(conn, principal.org_id, session_id)
    if may_see(principal, facilitator_id=session.facilitator_id, member_ids=()):
        return session  # an admin or its facilitator: no need to ask who the members were
    members = await groups.members_at(
        conn, principal.org_id, session.group_id, at=session.starts_at
    )
    if not may_see(principal, facilitator_id=session.facilitator_id, member_ids=members):
        raise NotFound(f"No session {session_id}.")
    return session


async def facilitated(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> Session:
    """The session to change, its row locked: concurrent changes queue, and each one reads the
    state the one before it left (a second close finds it closed: a 409, not a 404)."""
    session = await repository.get(conn, principal.org_id, session_id, lock=True)
    if not may_facilitate(principal, session.facilitator_id):
        await readable(conn, principal, session_id)  # a 404 for who may not see it
    check_facilitates(
        principal,
        session.facilitator_id,
        refusal="Only the session's facilitator (or an admin) may do this.",
    )
    return session
