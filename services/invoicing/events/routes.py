"""Scheduling's events, received: ``POST /internal/events`` (Standard Webhooks).

Authenticity is the webhook signature (``/internal/`` paths take no JWT). The effect
of an event and its inbox entry commit in one transaction of the event's tenant, so
a redelivery changes nothing (``duplicate``). An event that cannot be applied yet (the
facilitator has no billing profile, or the profile leaves nobody to bill) is answered
``skipped`` and leaves no trace, not even in the inbox: an admin's replay from
scheduling after the cause is fixed applies it. A 200 stops the producer's retries
either way; a malformed event is a 400, a bad signature or stale timestamp a 401.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import asyncpg
import msgspec
import structlog
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from services.kit import events, outbox
from services.kit.db import transaction
from services.kit.errors import FieldError, InvalidInput, RuleViolation

from ..costs import routes as costs
from ..debtors import repository as debtors
from ..invoices import repository as invoices
from ..invoices.routes import credit_in_full, issue_draft
from ..profiles import repository as profiles
from . import repository, rules
from .schemas import EventResult, SessionCancelled, SessionClosed

SOURCE = "scheduling"

log = structlog.get_logger("kring.invoicing.events")

T = TypeVar("T")


class Skipped(Exception):
    """The event cannot be applied yet; raised inside the transaction to roll it back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _data(event: outbox.Event, shape: type[T]) -> T:
    try:
        return msgspec.convert(event.data, shape, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidInput(
            f"The {event.type} event's data is not valid: {exc}",
            errors=[FieldError(field="body.data", rule="event_data", message=str(exc))],
        ) from exc


async def _closed(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Bill a closed session: its cost sheet and drafts, issued at once with ``auto_issue``."""
    data = _data(event, SessionClosed)
    org_id = event.org_id
    if await repository.is_cancelled(conn, org_id, data.session_id):
        return EventResult(status="ignored", reason="the session was cancelled")
    existing = await repository.sheet_of_session(conn, org_id, data.session_id)
    if existing is not None:
        return EventResult(
            status="duplicate",
            reason="the session already has a cost sheet",
            cost_sheet_id=existing,
        )
    facilitator = data.facilitator.person_id
    profile = await profiles.find(conn, org_id, facilitator)
    if profile is None:
        raise Skipped(f"facilitator {facilitator} has no billing profile")
    if unnamed := rules.unnamed_members(data):
        log.warning("members_without_attendance", session_id=str(data.session_id), ids=unnamed)
    stored = await debtors.by_external_ids(conn, org_id, rules.debtor_keys(data))
    try:
        sheet_in = rules.cost_sheet(data, profile, stored)
        sheet, draft_ids = await costs.record(conn, org_id, sheet_in, profile)
    except ValueError as exc:  # control characters in a name of the event
        raise InvalidInput(
            f"The session.closed event's data is not valid: {exc}",
            errors=[FieldError(field="body.data", rule="event_data", message=str(exc))],
        ) from exc
    except RuleViolation as exc:
        raise Skipped(f"{exc}") from exc
    made = draft_ids
    if profile.auto_issue:
        made = []
        for draft_id in draft_ids:  # in the sheet's order, so the numbers follow it
            draft = await invoices.get(conn, org_id, draft_id, lock=True)
            made.append((await issue_draft(conn, org_id, draft)).id)
    return EventResult(status="applied", cost_sheet_id=sheet.id, invoice_ids=made)


async def _cancelled(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Undo a closed session's billing: credit what was issued, discard the drafts."""
    data = _data(event, SessionCancelled)
    org_id = event.org_id
    if data.previous_status != "closed":
        return EventResult(status="ignored", reason="the session was never closed")
    await repository.record_cancellation(
        conn, org_id, data.session_id, event_id=event.id, reason=data.reason
    )
    sheet_id = await repository.sheet_of_session(conn, org_id, data.session_id)
    if sheet_id is None:
        return EventResult(status="applied", reason="the session has no cost sheet")
    notes: list[uuid.UUID] = []
    for invoice in await invoices.of_cost_sheet(conn, org_id, sheet_id, lock=True):
        if invoice.kind == "invoice" and invoice.status in ("issued", "paid"):
            notes.append((await credit_in_full(conn, org_id, invoice)).id)
    discarded = await invoices.delete_drafts(conn, org_id, sheet_id)
    return EventResult(
        status="applied",
        reason=f"{len(notes)} invoices credited, {len(discarded)} drafts discarded",
        cost_sheet_id=sheet_id,
        invoice_ids=notes,
    )


HANDLERS = {"session.closed": _closed, "session.cancelled": _cancelled}


async def _ignored(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    return EventResult(status="ignored", reason=f"invoicing does not handle {event.type}")


class EventController(Controller):
    path = "/internal/events"
    include_in_schema = False

    @post("/", status_code=HTTP_200_OK)
    async def receive(self, request: Request[Any, Any, Any]) -> EventResult:
        """Apply one of scheduling's events, once."""
        settings = request.app.state.settings
        body = await request.body()
        try:
            event = events.receive(settings.webhook_secrets, request.headers, body)
        except msgspec.DecodeError as exc:  # signed, but not JSON
            raise InvalidInput(
                "The event is not valid JSON.",
                errors=[FieldError(field="body", rule="event", message=str(exc))],
            ) from exc
        context = {"event_id": str(event.id), "event_type": event.type, "org_id": str(event.org_id)}
        try:
            async with transaction(request.app.state.pool, org_id=event.org_id) as conn:
                if not await outbox.first_time(
                    conn, source=SOURCE, event_id=event.id, type=event.type
                ):
                    result = EventResult(status="duplicate", reason="delivered before")
                else:
                    result = await HANDLERS.get(event.type, _ignored)(conn, event)
        except Skipped as skipped:
            log.warning("event_skipped", reason=skipped.reason, **context)
            return EventResult(status="skipped", reason=skipped.reason)
        log.info("event_received", status=result.status, reason=result.reason, **context)
        return result
