"""A session's columns, and the :class:`Session` a row of them is."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from . import rules
from .schemas import Session, SessionCosts

COLUMNS = """
    s.id, s.group_id, s.series_id, s.rrule, s.occurrence, s.status, s.starts_at, s.ends_at,
    s.mode, s.location, s.video_link, s.method_id, s.facilitator_id, s.description, s.sequence,
    s.cancel_reason, s.closed_at, s.facilitator_signed_at, s.costs, s.created_at, s.updated_at
"""
# A list page builds fifty sessions per request, so a row becomes a Session positionally: a
# Struct of 24 fields built by keyword took 2.8 µs against 0.4 µs by position (measured on
# Python 3.11, msgspec 0.22). Session's fields are the columns in their order, with the shown
# times and the zone after the instants; a column or field added, removed or moved fails at
# import.
_NAMES = tuple(column.strip().removeprefix("s.") for column in COLUMNS.split(","))
if (
    Session.__struct_fields__
    != (
        *_NAMES[:8],
        "local_start",
        "local_end",
        "timezone",
        *_NAMES[8:18],
        "costs",
        *_NAMES[19:],
    )
    or _NAMES[18] != "costs"
):
    raise RuntimeError("session_of builds a Session by position: its fields and COLUMNS differ")


def session_of(row: asyncpg.Record) -> Session:
    """The session of a row whose first columns are ``COLUMNS``, in their order (more may
    follow)."""
    starts_at, local_start = rules.shown(row[6])
    ends_at, local_end = rules.shown(row[7])
    costs = row[18]
    fields: tuple[Any, ...] = (
        *row[:6],
        starts_at,
        ends_at,
        local_start,
        local_end,
        rules.TIMEZONE,
        *row[8:18],
        None if costs is None else msgspec.convert(costs, SessionCosts),
        row[19],
        row[20],
    )
    return Session(*fields)
