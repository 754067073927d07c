"""The consumer of scheduling's events: verify a delivery, then apply it once.

Each event is applied in one transaction of its tenant together with its inbox row, so a
redelivery changes nothing. ``session.closed`` becomes ledger entries and outcomes,
``session.cancelled`` of a closed session their reversals, ``person.updated`` a new judgement
of the person's pending outcomes, ``attendance.amended`` a new judgement of the corrected
session (a credit that no longer counts as it did is reversed and recorded anew),
``attendance.confirmed`` the participant's signature that proofs of attendance state; other
types are remembered and ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import asyncpg
import structlog

from services.kit import events, outbox
from services.kit.db import transaction

from ..credentials import repository as credentials
from ..ledger import service as ledger
from ..ledger.chain import Signer
from ..ledger.schemas import Judgement
from ..outcomes import service as outcomes
from . import rules
from .schemas import (
    ATTENDANCE_AMENDED,
    ATTENDANCE_CONFIRMED,
    PERSON_UPDATED,
    SESSION_CANCELLED,
    SESSION_CLOSED,
    SOURCE,
    AttendanceAmendedData,
    AttendanceConfirmedData,
    EventOutcome,
    PersonUpdatedData,
    SessionCancelledData,
    SessionClosedData,
)

Data = (
    SessionClosedData
    | SessionCancelledData
    | PersonUpdatedData
    | AttendanceAmendedData
    | AttendanceConfirmedData
)
SHAPES: dict[str, type[Data]] = {
    SESSION_CLOSED: SessionClosedData,
    SESSION_CANCELLED: SessionCancelledData,
    PERSON_UPDATED: PersonUpdatedData,
    ATTENDANCE_AMENDED: AttendanceAmendedData,
    ATTENDANCE_CONFIRMED: AttendanceConfirmedData,
}

log = structlog.get_logger("kring.accreditation.events")


async def receive(
    pool: asyncpg.Pool,
    *,
    secrets: tuple[str, ...],
    headers: Mapping[str, str],
    body: bytes,
    signer: Signer,
) -> EventOutcome:
    """Verify a delivery, decode what it carries, then apply it in its tenant's transaction."""
    event = events.receive(secrets, headers, body)
    shape = SHAPES.get(event.type)
    data: Data | None = None
    if shape is not None:
        data = rules.decode(event.data, shape, event_type=event.type)
    async with transaction(pool, org_id=event.org_id) as conn:
        if await outbox.first_time(conn, source=SOURCE, event_id=event.id, type=event.type):
            outcome = await _apply(conn, event, data, signer=signer)
        else:
            outcome = EventOutcome(status="duplicate", event_id=event.id, type=event.type)
    log.info(
        "event_received",
        event_id=str(event.id),
        type=event.type,
        org_id=str(event.org_id),
        status=outcome.status,
    )
    return outcome


async def _apply(
    conn: asyncpg.Connection,
    event: outbox.Event,
    data: Data | None,
    *,
    signer: Signer,
) -> EventOutcome:
    match data:
        case AttendanceAmendedData():
            return await _attendance_amended(conn, event, data, signer=signer)
        case SessionClosedData():
            return await _session_closed(conn, event, data, signer=signer)
        case SessionCancelledData(previous_status="closed"):
            return await _session_cancelled(conn, event, data, signer=signer)
        case PersonUpdatedData():
            return await _person_updated(conn, event, data, signer=signer)
        case AttendanceConfirmedData():
            await credentials.confirm(
                conn, event.org_id, data.session_id, data.person_id, at=data.confirmed_at
            )
            return EventOutcome(status="applied", event_id=event.id, type=event.type)
    return EventOutcome(status="ignored", event_id=event.id, type=event.type)


def _applied(
    event: outbox.Event, judgements: Iterable[Judgement], *, reversed: int = 0
) -> EventOutcome:
    counted = Counter(j.outcome for j in judgements)
    return EventOutcome(
        status="applied",
        event_id=event.id,
        type=event.type,
        recorded=counted["recorded"],
        already_recorded=counted["already_recorded"],
        refused=counted["refused"],
        pending=counted["pending"],
        reversed=reversed,
    )


async def _session_closed(
    conn: asyncpg.Connection, event: outbox.Event, data: SessionClosedData, *, signer: Signer
) -> EventOutcome:
    """Judge the session's snapshot; registrations the ledger cannot hold count as refused."""
    return await _judge(conn, event, data, signer=signer, correction=None)


async def _attendance_amended(
    conn: asyncpg.Connection, event: outbox.Event, data: AttendanceAmendedData, *, signer: Signer
) -> EventOutcome:
    """The corrected snapshot judged again: each credit that no longer counts as it did is
    reversed, and recorded anew when it still counts; the rest stays as it was."""
    why = f"attendance amended: {data.reason}" if data.reason else "attendance amended"
    return await _judge(conn, event, data, signer=signer, correction=ledger.Correction(reason=why))


async def _judge(
    conn: asyncpg.Connection,
    event: outbox.Event,
    data: SessionClosedData,
    *,
    signer: Signer,
    correction: ledger.Correction | None,
) -> EventOutcome:
    session, refused = rules.closed_session(data)
    if session is None:
        return _applied(event, refused)
    result = await ledger.record_session(
        conn,
        event.org_id,
        session,
        recorded_by=f"event:{event.id}",
        signer=signer,
        prejudged=refused,
        correction=correction,
    )
    return _applied(
        event, result.judgements, reversed=len(correction.reversals) if correction else 0
    )


async def _person_updated(
    conn: asyncpg.Connection, event: outbox.Event, data: PersonUpdatedData, *, signer: Signer
) -> EventOutcome:
    """The person's pending outcomes judged again with their registrations as they are now;
    only the person's judgements are counted."""
    updates = rules.registrations(data)
    judgements: list[Judgement] = []
    for session in await outcomes.pending_snapshots(conn, event.org_id, data.person_id, updates):
        result = await ledger.record_session(
            conn, event.org_id, session, recorded_by=f"event:{event.id}", signer=signer
        )
        judgements += [j for j in result.judgements if j.person_id == data.person_id]
    return _applied(event, judgements)


async def _session_cancelled(
    conn: asyncpg.Connection, event: outbox.Event, data: SessionCancelledData, *, signer: Signer
) -> EventOutcome:
    """A closed session cancelled: every credit of it is reversed."""
    reversals = await ledger.reverse_session(
        conn,
        event.org_id,
        data.session_id,
        reason=f"session cancelled: {data.reason}",
        recorded_by=f"event:{event.id}",
        signer=signer,
    )
    return EventOutcome(
        status="applied", event_id=event.id, type=event.type, reversed=len(reversals)
    )
