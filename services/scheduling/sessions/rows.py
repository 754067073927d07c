"""A session's columns, and the :class:`Session` a row of them is."""

from __future__ import annotations

import asyncpg
import msgspec

from . import rules
from .schemas import Session, SessionCosts

COLUMNS = """
    s.id, s.group_id, s.series_id, s.rrule, s.occurrence, s.status, s.starts_at, s.ends_at,
    s.mode, s.location, s.video_link, s.method_id, s.facilitator_id, s.description, s.sequence,
    s.cancel_reason, s.closed_at, s.facilitator_signed_at, s.costs, s.created_at, s.updated_at
"""


def session_of(row: asyncpg.Record) -> Session:
    """The session of a row whose first columns are ``COLUMNS``, in their order (more may
    follow). Unpacked by position: a list page builds fifty of these per request."""
    (
        session_id,
        group_id,
        series_id,
        rrule,
        occurrence,
        status,
        starts_at,
        ends_at,
        mode,
        location,
        video_link,
        method_id,
        facilitator_id,
        description,
        sequence,
        cancel_reason,
        closed_at,
        facilitator_signed_at,
        costs,
        created_at,
        updated_at,
        *_,
    ) = row
    (starts_at, local_start), (ends_at, local_end) = rules.shown(starts_at), rules.shown(ends_at)
    return Session(
        id=session_id,
        group_id=group_id,
        series_id=series_id,
        rrule=rrule,
        occurrence=occurrence,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        local_start=local_start,
        local_end=local_end,
        timezone=rules.TIMEZONE,
        mode=mode,
        location=location,
        video_link=video_link,
        method_id=method_id,
        facilitator_id=facilitator_id,
        description=description,
        sequence=sequence,
        cancel_reason=cancel_reason,
        closed_at=closed_at,
        facilitator_signed_at=facilitator_signed_at,
        costs=None if costs is None else msgspec.convert(costs, SessionCosts),
        created_at=created_at,
        updated_at=updated_at,
    )
