"""The consumer of scheduling's events: verify a delivery, then apply it once.

Each event is applied in one transaction of its tenant together with its inbox row, so a
redelivery changes nothing. ``session.closed`` becomes ledger entries, ``session.cancelled``
of a closed session their reversals; other types are remembered and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg
import structlog

from services.kit import events, outbox
from services.kit.db import transaction

from ..ledger import service as ledger
from ..ledger.chain import Signer
from . import rules
from .schemas import (
    SESSION_CANCELLED,
    SESSION_CLOSED,
    SOURCE,
    EventOutcome,
    SessionCancelledData,
    SessionClosedData,
)

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
    data: SessionClosedData | SessionCancelledData | None = None
    if event.type == SESSION_CLOSED:
        data = rules.decode(event.data, SessionClosedData, event_type=event.type)
    elif event.type == SESSION_CANCELLED:
        data = rules.decode(event.data, SessionCancelledData, event_type=event.type)
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
    data: SessionClosedData | SessionCancelledData | None,
    *,
    signer: Signer,
) -> EventOutcome:
    match data:
        case SessionClosedData():
            return await _session_closed(conn, event, data, signer=signer)
        case SessionCancelledData(previous_status="closed"):
            return await _session_cancelled(conn, event, data, signer=signer)
    return EventOutcome(status="ignored", event_id=event.id, type=event.type)


async def _session_closed(
    conn: asyncpg.Connection, event: outbox.Event, data: SessionClosedData, *, signer: Signer
) -> EventOutcome:
    """Judge the session's snapshot; registrations the ledger cannot hold count as refused."""
    session, refused = rules.closed_session(data)
    judgements = list(refused)
    if session is not None:
        result = await ledger.record_session(
            conn, event.org_id, session, recorded_by=f"event:{event.id}", signer=signer
        )
        judgements += result.judgements
    outcomes = [j.outcome for j in judgements]
    return EventOutcome(
        status="applied",
        event_id=event.id,
        type=event.type,
        recorded=outcomes.count("recorded"),
        already_recorded=outcomes.count("already_recorded"),
        refused=outcomes.count("refused"),
    )


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
