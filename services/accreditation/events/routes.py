"""``POST /internal/events``: scheduling's events, applied once each.

Authenticity comes from the Standard Webhooks signature (``KRING_WEBHOOK_SECRETS``), not a
token: ``/internal/`` is outside JWT authentication. Each event is applied in one
transaction of its tenant together with its inbox row, so a redelivery changes nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from services.kit import events, outbox
from services.kit.db import transaction
from services.kit.errors import FieldError, InvalidInput

from ..ledger import service
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


class InboxController(Controller):
    path = "/internal"
    include_in_schema = False

    @post("/events", status_code=HTTP_200_OK)
    async def receive(self, request: Request[Any, Any, Any]) -> EventOutcome:
        """Verify, then apply `session.closed` and `session.cancelled`; ignore other types."""
        state = request.app.state
        body = await request.body()
        try:
            event = events.receive(state.settings.webhook_secrets, request.headers, body)
        except msgspec.DecodeError as exc:  # signed, but not JSON (a ValidationError is a 400)
            raise InvalidInput(
                "The event is not JSON.",
                errors=[FieldError(field="body", rule="json", message=str(exc))],
            ) from exc
        closed = cancelled = None
        if event.type == SESSION_CLOSED:
            closed = rules.decode(event.data, SessionClosedData, event_type=event.type)
        elif event.type == SESSION_CANCELLED:
            cancelled = rules.decode(event.data, SessionCancelledData, event_type=event.type)
        outcome = EventOutcome(status="ignored", event_id=event.id, type=event.type)
        async with transaction(state.pool, org_id=event.org_id) as conn:
            if not await outbox.first_time(conn, source=SOURCE, event_id=event.id, type=event.type):
                outcome = EventOutcome(status="duplicate", event_id=event.id, type=event.type)
            elif closed is not None:
                session, refused = rules.closed_session(closed)
                judgements = list(refused)
                if session is not None:
                    result = await service.record_session(
                        conn,
                        event.org_id,
                        session,
                        recorded_by=f"event:{event.id}",
                        signer=state.signer,
                    )
                    judgements += result.judgements
                outcome = EventOutcome(
                    status="applied",
                    event_id=event.id,
                    type=event.type,
                    recorded=sum(1 for j in judgements if j.outcome == "recorded"),
                    already_recorded=sum(1 for j in judgements if j.outcome == "already_recorded"),
                    refused=sum(1 for j in judgements if j.outcome == "refused"),
                )
            elif cancelled is not None and cancelled.previous_status == "closed":
                reversals = await service.reverse_session(
                    conn,
                    event.org_id,
                    cancelled.session_id,
                    reason=f"session cancelled: {cancelled.reason}",
                    recorded_by=f"event:{event.id}",
                    signer=state.signer,
                )
                outcome = EventOutcome(
                    status="applied", event_id=event.id, type=event.type, reversed=len(reversals)
                )
        log.info(
            "event_received",
            event_id=str(event.id),
            type=event.type,
            org_id=str(event.org_id),
            status=outcome.status,
        )
        return outcome
