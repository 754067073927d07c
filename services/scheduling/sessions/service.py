"""Sessions' use cases: plan, list, read, history, reschedule, cancel, close, and the
calendars. Each runs on the caller's connection: access from ``access.py``, rules from
``rules.py``, bookings from ``bookings.py``, SQL from ``repository.py``, events from
``events.py``; attendance is asked of its own domain."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime

import asyncpg
import msgspec

from services.kit.errors import FieldError, NotFound
from services.kit.pagination import Keyset, page_of

from ..attendance import repository as attendance_records
from ..attendance import service as attendance
from ..groups import service as groups
from ..groups.rules import check_manages, narrowed_to
from ..people import repository as people
from ..preflight import service as preflight
from ..preflight.client import Preflight
from ..principal import Principal
from . import bookings, events, ical, repository, rules
from .access import facilitated, readable
from .schemas import (
    RescheduleIn,
    Session,
    SessionChanges,
    SessionCostsIn,
    SessionPage,
    SessionPlan,
    SessionPlanIn,
    SessionResult,
    Status,
)


async def plan(
    conn: asyncpg.Connection, principal: Principal, data: SessionPlanIn, *, registers: Preflight
) -> SessionPlan:
    """One session or a series, refused when it would book its facilitator or a member twice;
    an online session over 2 hours is planned with a warning, and so is each register rule
    it breaks (accreditation's preflight, asked in the transaction once it is planned)."""
    org_id = principal.org_id
    group = await groups.find(conn, org_id, data.group_id, field="body.group_id")
    check_manages(
        principal,
        facilitator_id=group.facilitator_id,
        member_ids=[m.person_id for m in group.members],
        missing=f"No group {data.group_id}.",
        refusal="Only the group's facilitator (or an admin) may plan its sessions.",
        errors=[FieldError(field="body.group_id", rule="exists", message="no such group")],
    )
    mode = data.mode or group.mode
    location = data.location or (group.location if mode != "online" else None)
    rules.check_venue(mode, location=location, video_link=data.video_link)
    if data.method_id is not None:
        await groups.check_method(conn, org_id, data.method_id, field="body.method_id")
    occurrences = rules.expand(
        rules.wall_time(data.start, field="body.start"),
        rules.wall_time(data.end, field="body.end"),
        data.rrule,
    )
    rules.check_series_overlap(occurrences)
    await bookings.check_free(
        conn,
        principal,
        group_id=group.id,
        facilitator_id=group.facilitator_id,
        occurrences=occurrences,
        series=data.rrule is not None,
    )
    series_id = uuid.uuid4() if data.rrule is not None else None
    new = repository.NewSessions(
        group_id=group.id,
        facilitator_id=group.facilitator_id,
        series_id=series_id,
        rrule=data.rrule,
        mode=mode,
        location=location,
        video_link=data.video_link,
        method_id=data.method_id or group.default_method_id,
        description=data.description,
    )
    sessions = await repository.insert(conn, org_id, new, occurrences)
    concerned = await events.members(conn, org_id, sessions[0])
    for session in sessions:
        await events.emit(conn, org_id, events.scheduled(session, concerned))
    warnings = [
        msgspec.structs.replace(warning, session_id=s.id)
        for s in sessions
        for warning in rules.duration_warnings(s.mode, s.starts_at, s.ends_at)
    ]
    warnings += await preflight.planned(conn, org_id, group, sessions[0], registers)
    return SessionPlan(series_id=series_id, sessions=sessions, warnings=warnings)


async def page(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    group_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    first_day: date | None,
    last_day: date | None,
    status: Status | None,
) -> SessionPage:
    """Sessions in the order they start; anyone but an admin lists their own, whatever person
    they ask for (``groups.rules.narrowed_to``)."""
    starts_from, starts_before = rules.period(first_day, last_day)
    own = narrowed_to(principal)
    items = await repository.page(
        conn,
        principal.org_id,
        asked,
        group_id=group_id,
        person_id=person_id if own is None else own,
        starts_from=starts_from,
        starts_before=starts_before,
        status=status,
    )
    return page_of(SessionPage, items, asked.limit)


async def read(conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID) -> Session:
    return await readable(conn, principal, session_id)


async def history(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> SessionChanges:
    session = await readable(conn, principal, session_id)
    return SessionChanges(items=await repository.changes(conn, principal.org_id, session.id))


async def reschedule(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID, data: RescheduleIn
) -> SessionResult:
    """Move a planned session without recorded attendance, unless it would book someone twice;
    announced (``session.rescheduled``)."""
    session = await facilitated(conn, principal, session_id)
    rules.check_status(session.id, session.status, wanted="planned")
    (occurrence,) = rules.expand(
        rules.wall_time(data.start, field="body.start"),
        rules.wall_time(data.end, field="body.end"),
    )
    rules.check_movable(
        has_attendance=await attendance_records.has_attendance(conn, principal.org_id, session.id)
    )
    await bookings.check_free(
        conn,
        principal,
        group_id=session.group_id,
        facilitator_id=session.facilitator_id,
        occurrences=[dataclasses.replace(occurrence, session_id=session.id)],
    )
    moved = await repository.reschedule(
        conn, principal.org_id, session, occurrence, reason=data.reason, by=principal.subject
    )
    concerned = await events.members(conn, principal.org_id, moved)
    await events.emit(
        conn, principal.org_id, events.rescheduled(session, moved, concerned, reason=data.reason)
    )
    warnings = rules.duration_warnings(moved.mode, moved.starts_at, moved.ends_at)
    return SessionResult(session=moved, warnings=warnings)


async def cancel(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID, *, reason: str
) -> Session:
    session = await facilitated(conn, principal, session_id)
    rules.check_cancellable(session.id, session.status)
    cancelled = await repository.cancel(
        conn, principal.org_id, session, reason=reason, by=principal.subject
    )
    concerned = await events.members(conn, principal.org_id, session)
    await events.emit(conn, principal.org_id, events.cancelled(session, concerned, reason=reason))
    return cancelled


async def close(
    conn: asyncpg.Connection,
    principal: Principal,
    session_id: uuid.UUID,
    *,
    description: str | None,
    costs: SessionCostsIn | None,
) -> SessionResult:
    """Close a begun session whose members' attendance is all recorded, with the costs entered
    for its invoices; closing by the facilitator signs the proof (``session.signed_off`` after
    ``session.closed``). Warns of absences over the group's limit."""
    rules.check_costs(costs)
    session = await facilitated(conn, principal, session_id)
    rules.check_status(session.id, session.status, wanted="planned")
    rules.check_closable(
        now=datetime.now(UTC),
        starts_at=session.starts_at,
        unrecorded=await attendance.unrecorded(conn, principal.org_id, session),
    )
    closed = await repository.close(
        conn,
        principal.org_id,
        session.id,
        description=description,
        costs=costs,
        by=principal.subject,
        facilitator_signs=principal.person == session.facilitator_id,
    )
    await events.emit(conn, principal.org_id, await events.closed(conn, principal.org_id, closed))
    if closed.facilitator_signed_at is not None:  # closed by its facilitator: signed too
        signed = await events.signed_off(conn, principal.org_id, closed)
        await events.emit(conn, principal.org_id, signed)
    warnings = await attendance.absence_warnings(conn, principal.org_id, session)
    return SessionResult(session=closed, warnings=warnings)


async def person_calendar(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> bytes:
    """The sessions a person facilitates or belongs to: an admin's feed of anyone, anyone
    else's of themself only (``groups.rules.narrowed_to``; another person is a 404)."""
    await people.get(conn, principal.org_id, person_id)
    own = narrowed_to(principal)
    if own is not None and own != person_id:
        raise NotFound(f"No person {person_id}.")
    return await person_feed(conn, principal.org_id, person_id)


async def group_calendar(
    conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID
) -> bytes:
    """The group's sessions, for those who may see the group (``groups.service.visible``)."""
    group = await groups.visible(conn, principal, group_id, field="path.group_id")
    return await group_feed(conn, principal.org_id, group_id, name=group.name)


async def person_feed(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> bytes:
    """A person's feed, for a caller already let through (by a token or a feed URL)."""
    sessions = await repository.for_calendar(conn, org_id, person_id=person_id)
    return ical.feed("Intervisie", sessions)


async def group_feed(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, name: str
) -> bytes:
    """A group's feed, for a caller already let through (by a token or a feed URL)."""
    sessions = await repository.for_calendar(conn, org_id, group_id=group_id)
    return ical.feed(f"Intervisie: {name}", sessions)
