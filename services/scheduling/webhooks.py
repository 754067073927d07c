"""Every event scheduling sends (its contract's ``webhooks``), and how one is written: to the
outbox, in the transaction of the change that caused it."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit import outbox
from services.kit.events import channel

from .config import SCHEMA
from .people.schemas import PersonUpdatedData
from .sessions.schemas import (
    AttendanceAmendedData,
    AttendanceConfirmedData,
    SessionCancelledData,
    SessionClosedData,
    SessionScheduledData,
)

EventData = (
    SessionScheduledData
    | SessionClosedData
    | SessionCancelledData
    | AttendanceConfirmedData
    | AttendanceAmendedData
    | PersonUpdatedData
)

WEBHOOKS: dict[str, type[EventData]] = {
    "session.scheduled": SessionScheduledData,
    "session.closed": SessionClosedData,
    "session.cancelled": SessionCancelledData,
    "attendance.confirmed": AttendanceConfirmedData,
    "attendance.amended": AttendanceAmendedData,
    "person.updated": PersonUpdatedData,
}
_TYPES = {data: event_type for event_type, data in WEBHOOKS.items()}


async def emit(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: EventData, *, aggregate_id: uuid.UUID
) -> None:
    """The event commits with the change that caused it; its type follows from ``data``."""
    await outbox.emit(
        conn,
        org_id=org_id,
        type=_TYPES[type(data)],
        aggregate_id=aggregate_id,
        payload=data,
        channel=channel(SCHEMA),
    )
