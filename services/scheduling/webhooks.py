"""Every event scheduling sends (its contract's ``webhooks``), and how one is written: to the
outbox, in the transaction of the change that caused it."""

from __future__ import annotations

from services.kit.events import Emitter
from services.kit.subjects import SubjectErasedData

from .config import SCHEMA
from .groups.schemas import GroupMemberAddedData, GroupMemberLeftData
from .people.schemas import PersonResyncRefusedData, PersonUpdatedData
from .privacy_requests.schemas import ErasureRefusedData, PersonErasedData
from .sessions.schemas import (
    AttendanceAmendedData,
    AttendanceConfirmedData,
    SessionCancelledData,
    SessionClosedData,
    SessionRescheduledData,
    SessionScheduledData,
    SessionSignedOffData,
)

EventData = (
    SessionScheduledData
    | SessionRescheduledData
    | SessionClosedData
    | SessionCancelledData
    | SessionSignedOffData
    | AttendanceConfirmedData
    | AttendanceAmendedData
    | PersonUpdatedData
    | GroupMemberAddedData
    | GroupMemberLeftData
    | SubjectErasedData
    | PersonErasedData
    | ErasureRefusedData
    | PersonResyncRefusedData
)

WEBHOOKS: dict[str, type[EventData]] = {
    "session.scheduled": SessionScheduledData,
    "session.rescheduled": SessionRescheduledData,
    "session.closed": SessionClosedData,
    "session.cancelled": SessionCancelledData,
    "session.signed_off": SessionSignedOffData,
    "attendance.confirmed": AttendanceConfirmedData,
    "attendance.amended": AttendanceAmendedData,
    "person.updated": PersonUpdatedData,
    "group.member_added": GroupMemberAddedData,
    "group.member_left": GroupMemberLeftData,
    "subject.erased": SubjectErasedData,
    "person.erased": PersonErasedData,
    "erasure.refused": ErasureRefusedData,
    "person.resync_refused": PersonResyncRefusedData,
}
emit = Emitter(SCHEMA, WEBHOOKS)
