"""Double booking, in one place: nobody sits in two sessions at once.

A person is booked in the sessions they facilitate and in those of their groups they had not
left when the session began. Planning, moving and joining a group check it under one lock per
tenant, so two overlapping requests cannot both pass. A refusal says when the other session
is, and which it is only to a caller who may read it (an admin, or its facilitator): a
facilitator learns of a clash with another group's session, never that session's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from ..groups.rules import may_see
from ..principal import Principal
from . import repository, rules
from .repository import DoubleBooking


def clash_for(principal: Principal, booking: DoubleBooking) -> rules.Clash:
    """A double booking as ``principal`` may be told of it."""
    return rules.Clash(
        person_id=booking.person_id,
        session_id=booking.session_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        disclosed=may_see(principal, facilitator_id=booking.facilitator_id, member_ids=()),
    )


async def check_free(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    group_id: uuid.UUID,
    facilitator_id: uuid.UUID,
    occurrences: Sequence[rules.Occurrence],
    series: bool = False,
) -> None:
    """Refuse occurrences of the group's sessions that would book its facilitator or a member
    twice (409 with the other session's times; ``extra.session_id`` names it to a caller who
    may read it)."""
    org_id = principal.org_id
    await repository.lock_bookings(conn, org_id)
    clash = await repository.double_booking(
        conn, org_id, person_id=facilitator_id, members_of=group_id, occurrences=occurrences
    )
    if clash is not None:
        raise rules.double_booked(clash.occurrence, clash_for(principal, clash), series=series)


async def clash_on_joining(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, group_id: uuid.UUID, person_id: uuid.UUID
) -> DoubleBooking | None:
    """The first planned session of the group that would book ``person_id`` twice, if they
    joined it (``own_session_id``), with the session they are booked in already."""
    await repository.lock_bookings(conn, org_id)
    planned = await repository.planned(conn, org_id, group_id)
    if not planned:
        return None
    return await repository.double_booking(
        conn, org_id, person_id=person_id, members_of=None, occurrences=planned
    )
