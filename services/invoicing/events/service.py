"""Scheduling's events, applied: a closed session is billed, a cancelled one credited.

Each event's effect and its inbox entry commit in one transaction of the event's tenant,
so a redelivery changes nothing (``duplicate``). A closing that cannot be billed yet (the
facilitator has no billing profile, or the profile leaves nobody to bill) is ``held``: kept
with its rule and reason as an unbilled session, readable through the API and announced
(``session.unbilled``), and billed from what was kept once the cause is fixed
(:func:`bill_unbilled`). A malformed event is refused (``InvalidInput``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import asyncpg
import msgspec
import structlog

from services.kit import events, outbox
from services.kit.db import savepoint, transaction
from services.kit.errors import FieldError, InvalidInput, NotFound, RuleViolation
from services.kit.pagination import Keyset, page_of

from .. import webhooks
from ..costs import repository as cost_sheets
from ..costs import service as costs
from ..costs.rules import facilitator_filter
from ..invoices import service as invoices
from ..principal import Principal
from ..profiles import repository as profiles
from ..profiles.rules import may_access
from ..profiles.schemas import BillingProfile
from . import repository, rules
from .schemas import (
    Billed,
    EventResult,
    SessionCancelled,
    SessionClosed,
    SessionUnbilledData,
    UnbilledSession,
    UnbilledSessionPage,
)

SOURCE = "scheduling"

log = structlog.get_logger("kring.invoicing.events")

T = TypeVar("T")


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


def _no_profile(facilitator_id: uuid.UUID) -> RuleViolation:
    return RuleViolation(
        f"facilitator {facilitator_id} has no billing profile",
        errors=[
            FieldError(
                field="facilitator_id",
                rule="billing_profile_required",
                message="write the facilitator's billing profile, then bill the session",
            )
        ],
    )


async def _bill(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: SessionClosed, profile: BillingProfile
) -> Billed:
    """The session's cost sheet and drafts, issued at once with ``auto_issue``; a rule that
    refuses the sheet (nobody to bill) is raised with nothing of it written (a savepoint)."""
    sheet_in = rules.cost_sheet(data, profile)
    async with savepoint(conn, "cost_sheet"):
        sheet, draft_ids = await costs.record(conn, org_id, sheet_in, profile)
    if profile.auto_issue:
        await invoices.issue_drafts(conn, org_id, draft_ids)  # the held ones stay held
    await repository.forget_unbilled(conn, org_id, data.session_id)
    return Billed(cost_sheet_id=sheet.id, invoice_ids=draft_ids)


async def _hold(
    conn: asyncpg.Connection, event: outbox.Event, data: SessionClosed, refusal: RuleViolation
) -> EventResult:
    """Keep the closing with why it cannot be billed, and announce it when the cause is new."""
    rule = refusal.errors[0].rule if refusal.errors else "billing_profile_required"
    reason = refusal.detail or str(refusal)
    held, news = await repository.hold(
        conn, event.org_id, data, event_id=event.id, rule=rule, reason=reason
    )
    if news:
        await webhooks.emit(conn, event.org_id, _unbilled_data(held), aggregate_id=held.id)
    log.warning("session_unbilled", session_id=str(data.session_id), rule=rule, reason=reason)
    return EventResult(status="held", reason=reason)


def _unbilled_data(held: UnbilledSession) -> SessionUnbilledData:
    return SessionUnbilledData(
        unbilled_session_id=held.id,
        session_id=held.session_id,
        facilitator_id=held.facilitator_id,
        rule=held.rule,
        reason=held.reason,
    )


async def session_closed(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Bill a closed session, unless it was cancelled or billed before; hold it with the
    reason when it cannot be billed yet."""
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
    if unnamed := rules.unnamed_members(data):
        log.warning("members_without_attendance", session_id=str(data.session_id), ids=unnamed)
    try:
        profile = await profiles.find(conn, org_id, data.facilitator.person_id)
        if profile is None:
            raise _no_profile(data.facilitator.person_id)
        billed = await _bill(conn, org_id, data, profile)
    except ValueError as exc:  # control characters in a name of the event
        raise _invalid(event, exc) from exc
    except RuleViolation as refusal:
        return await _hold(conn, event, data, refusal)
    return EventResult(
        status="applied", cost_sheet_id=billed.cost_sheet_id, invoice_ids=billed.invoice_ids
    )


async def session_cancelled(conn: asyncpg.Connection, event: outbox.Event) -> EventResult:
    """Undo a closed session's billing: credit what was issued, discard the drafts."""
    data = _data(event, SessionCancelled)
    org_id = event.org_id
    if data.previous_status != "closed":
        return EventResult(status="ignored", reason="the session was never closed")
    await repository.record_cancellation(
        conn, org_id, data.session_id, event_id=event.id, reason=data.reason
    )
    await repository.forget_unbilled(conn, org_id, data.session_id)
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
    async with transaction(pool, org_id=event.org_id) as conn:
        result = await _apply(conn, event)
    log.info("event_received", status=result.status, reason=result.reason, **context)
    return result


async def unbilled_page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset
) -> UnbilledSessionPage:
    """The sessions waiting to be billed that the caller may see: a facilitator's own, or all."""
    items = await repository.unbilled_page(
        conn, principal.org_id, asked, facilitator_id=facilitator_filter(principal)
    )
    return page_of(UnbilledSessionPage, items, asked.limit)


async def _unbilled(
    conn: asyncpg.Connection, principal: Principal, unbilled_id: uuid.UUID, *, lock: bool = False
) -> tuple[UnbilledSession, SessionClosed]:
    held, closing = await repository.unbilled(conn, principal.org_id, unbilled_id, lock=lock)
    if not may_access(principal, held.facilitator_id):
        raise NotFound(f"No unbilled session {unbilled_id}.")
    return held, msgspec.convert(closing, SessionClosed)


async def get_unbilled(
    conn: asyncpg.Connection, principal: Principal, unbilled_id: uuid.UUID
) -> UnbilledSession:
    return (await _unbilled(conn, principal, unbilled_id))[0]


async def bill_unbilled(
    conn: asyncpg.Connection, principal: Principal, unbilled_id: uuid.UUID
) -> Billed:
    """Bill a held session from its closing as received, now that its cause is fixed; still
    refused: a 422 with the rule, and it keeps waiting. (A cancellation in scheduling removes
    it from the waiting list, so a cancelled session is never billed here.)"""
    held, closing = await _unbilled(conn, principal, unbilled_id, lock=True)
    profile = await profiles.find(conn, principal.org_id, held.facilitator_id)
    if profile is None:
        raise _no_profile(held.facilitator_id)
    return await _bill(conn, principal.org_id, closing, profile)
