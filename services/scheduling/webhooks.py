"""Every event scheduling sends (its contract's ``webhooks``), and how one is written: to the
outbox, in the transaction of the change that caused it."""

from __future__ import annotations

from services.kit.events import Emitter

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
emit = Emitter(SCHEMA, WEBHOOKS)
