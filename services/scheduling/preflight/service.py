"""The preflight's use cases: the facts gathered from people and facilitators (their own
repositories), accreditation asked through ``client.py``, the answer turned into warnings by
``rules.py``. Nothing is asked when no accreditation is configured."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import FieldError, NotFound

from ..facilitators import repository as facilitators
from ..facilitators.schemas import Recognition
from ..groups.schemas import Group
from ..people import repository as people
from ..sessions.schemas import Session, Warning
from . import rules
from .client import Preflight


async def _recognitions(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID
) -> list[Recognition]:
    try:
        return (await facilitators.get(conn, org_id, facilitator_id)).recognitions
    except NotFound:
        return []


async def _ask(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group: Group,
    preflight: Preflight,
    *,
    mode: str,
    planned_minutes: int | None = None,
) -> rules.Answer:
    registrations = await people.registrations(conn, org_id, [m.person_id for m in group.members])
    recognitions = await _recognitions(conn, org_id, group.facilitator_id)
    facts = rules.facts(
        group, registrations, recognitions, mode=mode, planned_minutes=planned_minutes
    )
    return await preflight.ask(facts)


async def joined(
    conn: asyncpg.Connection, org_id: uuid.UUID, group: Group, preflight: Preflight
) -> list[FieldError]:
    """What the group, as it is now a member has joined, will cost its members' registers."""
    if not preflight.configured:
        return []
    return rules.group_warnings(await _ask(conn, org_id, group, preflight, mode=group.mode), group)


async def planned(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group: Group,
    session: Session,
    preflight: Preflight,
) -> list[Warning]:
    """What a planned session (the first of a series: each has its mode and length) will cost
    the group's members' registers."""
    if not preflight.configured:
        return []
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    answer = await _ask(conn, org_id, group, preflight, mode=session.mode, planned_minutes=minutes)
    return rules.plan_warnings(answer, group)
