"""Scheduling's part of a person's rights: what it holds about them (streamed, kind by kind)
and its part of their erasure (pseudonymised: ADR 0094)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

from services.kit.db import transaction
from services.kit.errors import NotFound
from services.kit.privacy import processing_log
from services.kit.subjects import (
    SubjectErasedData,
    SubjectErasure,
    check_own,
    export_body,
)

from .. import webhooks
from ..principal import Principal
from . import repository, rules

SERVICE = "scheduling"


async def export(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, *, pool: asyncpg.Pool
) -> AsyncIterator[bytes]:
    """Everything scheduling holds about the person, to an admin or the person; the export
    is logged (the route is a logged read), then streamed from a connection of its own
    (``pool``)."""
    admin = principal.has("admin")
    check_own(admin=admin, caller=principal.person, person_id=person_id)
    await repository.person_exists(conn, principal.org_id, person_id)
    await processing_log.record_given(
        conn, principal, person_id, admin=admin, operation="exportSubject"
    )
    return body(pool, principal.org_id, person_id)


async def body(pool: asyncpg.Pool, org_id: uuid.UUID, person_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The export's JSON, read in one read-only transaction (one view of the person)."""
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        records = {
            kind: repository.rows(conn, kind, org_id, person_id) for kind in repository.KINDS
        }
        exported = export_body(
            service=SERVICE, person_id=person_id, exported_at=datetime.now(UTC), records=records
        )
        async for chunk in exported:
            yield chunk


async def erase(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> tuple[SubjectErasure, bool]:
    """The person pseudonymised, once: the record of it, and whether this call did it."""
    external_id = await repository.lock_person(conn, principal.org_id, person_id)
    if (done := await repository.erasure(conn, principal.org_id, person_id)) is not None:
        return _erasure(person_id, done), False
    erased_at, full_name = await repository.pseudonymise(
        conn, principal.org_id, person_id, erased_by=principal.subject, external_id=external_id
    )
    events = await repository.events_naming(conn, principal.org_id, person_id)
    await repository.rewrite_events(
        conn,
        principal.org_id,
        [
            (position, rules.redacted(payload, person_id, name=full_name))
            for position, payload in events
        ],
    )
    await processing_log.record(
        conn, principal, operation="eraseSubject", person_id=person_id, grant="role admin"
    )
    data = SubjectErasedData(person_id=person_id, status="erased", held=[])
    await webhooks.emit(conn, principal.org_id, data, aggregate_id=person_id)
    return _erasure(person_id, erased_at), True


async def get_erasure(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> SubjectErasure:
    if (done := await repository.erasure(conn, principal.org_id, person_id)) is None:
        raise NotFound(f"Scheduling has not erased person {person_id}.")
    return _erasure(person_id, done)


def _erasure(person_id: uuid.UUID, erased_at: datetime) -> SubjectErasure:
    return SubjectErasure(person_id=person_id, status="erased", erased_at=erased_at, held=[])
