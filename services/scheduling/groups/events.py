"""Groups' events, built in one place and written with the change that caused them (outbox):
who joined or left which group, and whose employee they are. Their aggregate is the group."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

import asyncpg

from .. import webhooks
from ..people.schemas import Person
from .schemas import Group, GroupMemberAddedData, GroupMemberLeftData


async def emit(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: GroupMemberAddedData | GroupMemberLeftData
) -> None:
    await webhooks.emit(conn, org_id, data, aggregate_id=data.group_id)


def member_added(group: Group, person: Person) -> GroupMemberAddedData:
    """``group`` as it is with ``person`` among its members."""
    (member,) = (m for m in group.members if m.person_id == person.id)
    return _membership(GroupMemberAddedData, group, person, joined_at=member.joined_at)


def member_left(group: Group, person: Person, *, left_at: datetime) -> GroupMemberLeftData:
    """``group`` as it is without ``person``."""
    return _membership(GroupMemberLeftData, group, person, left_at=left_at)


M = TypeVar("M", GroupMemberAddedData, GroupMemberLeftData)


def _membership(shape: type[M], group: Group, person: Person, **when: datetime) -> M:
    return shape(
        group_id=group.id,
        group_name=group.name,
        person_id=person.id,
        employer_id=person.employer_id,
        members=len(group.members),
        **when,
    )
