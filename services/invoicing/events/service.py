"""Scheduling's events, applied: a closed session is billed, a cancelled one credited.

Each event's effect and its inbox entry commit in one transaction of the event's tenant,
so a redelivery changes nothing (``duplicate``). An event that cannot be applied yet (the
facilitator has no billing profile, or the profile leaves nobody to bill) is answered
``skipped`` and leaves no trace, not even in the inbox: an admin's replay from scheduling
after the cause is fixed applies it. A malformed event is refused (``InvalidInput``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import asyncpg
import msgspec
import structlog

from services.kit import events, outbox
from services.kit.db import transaction
from services.kit.errors import FieldError, InvalidInput, RuleViolation

from ..costs import repository as cost_sheets
from ..costs import service as costs
from ..invoices import service as invoices
from ..profiles import repository as profiles
from ..profiles.schemas import BillingProfile
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


def _invalid(event: outbox.Event, exc: Exception) -> InvalidInput:
    return InvalidInput(
        f"The {event.type} event's data is not valid: {exc}",
        errors=[FieldError(field="body.data", rule="event_data", message=str(exc))],
    )


def _data(event: outbox.Event, shape: type[T]) -> T:
    try:
        return msgspec.convert(event.data, shape, strict=False)
    except msgspec.ValidationError as exc:
        raise _invalid(event, exc) from exc


async def _bill(
    conn: asyncpg.Connection, event: outbox.Event, data: SessionClosed, profile: BillingProfile
) -> EventResult:
    """The session's cost sheet and drafts, issued at once with ``auto_issue``."""
    try:
        sheet_in = rules.cost_sheet(data, profile)
        sheet, draft_ids = await costs.record(conn, event.org_id, sheet_in, profile)
    except ValueError as exc:  # control characters in a name of the event
        raise _invalid(event, exc) from exc
    except RuleViolation as exc:
        raise Skipped(f"{exc}") from exc
    if profile.auto_issue:
        await invoices.issue_drafts(conn, event.org_id, draft_ids)  # the held ones stay held
    return EventResult(status="applied", cost_sheet_id=sheet.id, invoice_ids=draft_ids)


async def session_closed(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Bill a closed session, unless it was cancelled or billed before."""
    data = _data(event, SessionClosed)
    org_id = event.org_id
    if await repository.is_cancelled(conn, org_id, data.session_id):
        return EventResult(status="ignored", reason="the session was cancelled")
    existing = await cost_sheets.sheet_of_session(conn, org_id, data.session_id)
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
    return await _bill(conn, event, data, profile)


async def session_cancelled(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Undo a closed session's billing: credit what was issued, discard the drafts."""
    data = _data(event, SessionCancelled)
    org_id = event.org_id
    if data.previous_status != "closed":
        return EventResult(status="ignored", reason="the session was never closed")
    await repository.record_cancellation(
        conn, org_id, data.session_id, event_id=event.id, reason=data.reason
    )
    sheet_id = await cost_sheets.sheet_of_session(conn, org_id, data.session_id)
    if sheet_id is None:
        return EventResult(status="applied", reason="the session has no cost sheet")
    undone = await invoices.undo_cost_sheet(conn, org_id, sheet_id)
    return EventResult(
        status="applied",
        reason=f"{len(undone.credit_notes)} invoices credited, "
        f"{len(undone.discarded)} drafts discarded",
        cost_sheet_id=sheet_id,
        invoice_ids=undone.credit_notes,
    )


async def _ignored(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    return EventResult(status="ignored", reason=f"invoicing does not handle {event.type}")


Handler = Callable[[asyncpg.Connection, outbox.Event], Awaitable[EventResult]]
HANDLERS: Mapping[str, Handler] = {
    "session.closed": session_closed,
    "session.cancelled": session_cancelled,
}


async def _apply(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """The event's effect, once: a redelivery is a ``duplicate``."""
    if not await outbox.first_time(conn, source=SOURCE, event_id=event.id, type=event.type):
        return EventResult(status="duplicate", reason="delivered before")
    return await HANDLERS.get(event.type, _ignored)(conn, event)


async def receive(
    pool: asyncpg.Pool, secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes
) -> EventResult:
    """Verify a delivered event (its signature and freshness) and apply it once, in one
    transaction of its tenant."""
    event = events.receive(secrets, headers, body)
    context = {"event_id": str(event.id), "event_type": event.type, "org_id": str(event.org_id)}
    try:
        async with transaction(pool, org_id=event.org_id) as conn:
            result = await _apply(conn, event)
    except Skipped as skipped:
        log.warning("event_skipped", reason=skipped.reason, **context)
        return EventResult(status="skipped", reason=skipped.reason)
    log.info("event_received", status=result.status, reason=result.reason, **context)
    return result
