"""The SQL of a person's data: each kind read from a server-side cursor, and what scheduling's
part of their erasure writes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

import asyncpg

from services.kit.db import lock_key, one

from ..config import SCHEMA
from . import rules

PREFETCH = 200
"""Rows a cursor holds at a time: one kind of a person's records is never held whole."""

# Each kind's query: $1 the tenant, $2 the person; ordered, so that an export reads the same twice.
KINDS: dict[str, str] = {
    "people": """
        SELECT id, external_id, given_name, family_name, email, employer_id, manager_id,
               career_started_on, created_at, updated_at, erased_at
        FROM people WHERE org_id = $1 AND id = $2
    """,
    "registrations": """
        SELECT register AS id, register, number, registered_on FROM person_registrations
        WHERE org_id = $1 AND person_id = $2 ORDER BY register
    """,
    "memberships": """
        SELECT m.group_id AS id, m.group_id, g.name AS group_name, m.joined_at, m.left_at
        FROM group_members m JOIN groups g ON g.org_id = m.org_id AND g.id = m.group_id
        WHERE m.org_id = $1 AND m.person_id = $2 ORDER BY m.joined_at, m.group_id
    """,
    "consents": """
        SELECT group_id AS id, group_id, consent_at AS given_at FROM group_members
        WHERE org_id = $1 AND person_id = $2 AND consent_at IS NOT NULL
        ORDER BY consent_at, group_id
    """,
    "agreements": """
        SELECT m.group_id AS id, m.group_id, m.accepted_agreement_version AS version,
               m.accepted_at, a.ground_rules, a.confidentiality
        FROM group_members m
        JOIN group_agreements a ON a.org_id = m.org_id AND a.group_id = m.group_id
                               AND a.version = m.accepted_agreement_version
        WHERE m.org_id = $1 AND m.person_id = $2 AND m.accepted_at IS NOT NULL
        ORDER BY m.accepted_at, m.group_id
    """,
    "attendance": """
        SELECT a.session_id AS id, a.session_id, s.group_id, s.starts_at, s.ends_at,
               s.status AS session_status, a.status, a.arrived_at, a.departed_at, a.joined,
               a.confirmed_at, a.recorded_by, a.recorded_at, a.amendment_id
        FROM attendance a JOIN sessions s ON s.org_id = a.org_id AND s.id = a.session_id
        WHERE a.org_id = $1 AND a.person_id = $2 ORDER BY s.starts_at, a.session_id
    """,
    "attendance_amendments": """
        SELECT id, session_id, status, arrived_at, departed_at, previous_status,
               previous_arrived_at, previous_departed_at, reason, amended_by, amended_at
        FROM attendance_amendments WHERE org_id = $1 AND person_id = $2 ORDER BY id
    """,
    "facilitators": """
        SELECT person_id AS id, recognitions, created_at, updated_at FROM facilitators
        WHERE org_id = $1 AND person_id = $2
    """,
    "calendar_feeds": """
        SELECT id, created_at, created_by, revoked_at, revoked_by, revoked_because
        FROM calendar_feeds WHERE org_id = $1 AND owner_kind = 'person' AND owner_id = $2
        ORDER BY created_at, id
    """,
    "erasure_requests": """
        SELECT id, status, requested_by, requested_at, completed_at, refusal
        FROM erasure_requests WHERE org_id = $1 AND person_id = $2 ORDER BY id
    """,
    "events": """
        SELECT id, type, aggregate_id, occurred_at, payload AS data FROM outbox
        WHERE org_id = $1 AND (aggregate_id = $2 OR strpos(payload::text, $2::text) > 0)
        ORDER BY position
    """,
}
"""What scheduling holds about a person, kind by kind: the rows the export lists."""


async def rows(
    conn: asyncpg.Connection, kind: str, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[dict[str, Any]]:
    """One kind of the person's records, from a cursor inside ``conn``'s transaction."""
    async for row in conn.cursor(KINDS[kind], org_id, person_id, prefetch=PREFETCH):
        yield dict(row)


async def person_exists(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> None:
    await one(
        conn,
        "SELECT 1 FROM people WHERE org_id = $1 AND id = $2",
        org_id,
        person_id,
        missing=f"No person {person_id}.",
    )


async def erasure(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> datetime | None:
    """When scheduling's part of the person's erasure was done (``None``: not yet)."""
    erased_at: datetime | None = await conn.fetchval(
        "SELECT erased_at FROM subject_erasures WHERE org_id = $1 AND person_id = $2",
        org_id,
        person_id,
    )
    return erased_at


BY_EXTERNAL_ID = "/v1/people/by-external-id/"
"""Where a person is by the HR system's id: the single upsert's resource, whose lock
(``kit.etags.resource_lock``) the upsert takes with its transaction."""


async def lock_external_ids(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_ids: Collection[str]
) -> None:
    """Queue with every other write of these HR ids: the single upsert's lock of each, taken
    in one order (no two writers wait on each other), before anything is read. An erasure
    takes it before the person's row, so an upsert of the same id either commits before it
    (and is erased with the person) or starts after, and finds the id erased (ADR 0098)."""
    keys = sorted({lock_key(SCHEMA, org_id, BY_EXTERNAL_ID + x) for x in external_ids})
    await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)


async def lock_person(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """The person's row, locked for the erasure (or :class:`NotFound`): erasures of one person
    queue, while rows referring to them may still be written; writes of their HR id queue
    too (:func:`lock_external_ids`, taken first). Their external id as stored."""
    known = await conn.fetchval(
        "SELECT external_id FROM people WHERE org_id = $1 AND id = $2", org_id, person_id
    )
    if known is not None:
        await lock_external_ids(conn, org_id, [known])
    row = await one(
        conn,
        "SELECT external_id FROM people WHERE org_id = $1 AND id = $2 FOR NO KEY UPDATE",
        org_id,
        person_id,
        missing=f"No person {person_id}.",
    )
    external_id: str = row["external_id"]
    return external_id


async def employer_of(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> uuid.UUID | None:
    employer_id: uuid.UUID | None = await conn.fetchval(
        "SELECT employer_id FROM people WHERE org_id = $1 AND id = $2", org_id, person_id
    )
    return employer_id


_PSEUDONYMISE = """
    WITH person AS (
        UPDATE people
        SET given_name = $3, family_name = $4, external_id = $5, email = NULL, manager_id = NULL,
            career_started_on = NULL, erased_at = now(), updated_at = now()
        WHERE org_id = $1 AND id = $2
        RETURNING id
    ), registrations AS (
        DELETE FROM person_registrations WHERE org_id = $1 AND person_id = $2 RETURNING 1
    ), recognitions AS (
        UPDATE facilitators SET recognitions = '[]'::jsonb, updated_at = now()
        WHERE org_id = $1 AND person_id = $2 RETURNING 1
    ), feeds AS (
        UPDATE calendar_feeds
        SET revoked_at = now(), revoked_by = $6, revoked_because = 'revoked'
        WHERE org_id = $1 AND owner_kind = 'person' AND owner_id = $2 AND revoked_at IS NULL
        RETURNING 1
    ), answers AS (
        DELETE FROM idempotency_keys
        WHERE org_id = $1 AND position(convert_to($2::text, 'UTF8') IN body) > 0
        RETURNING 1
    ), named AS (
        -- the name as it was: every part of the statement reads the rows from before it
        SELECT given_name || ' ' || family_name AS full_name
        FROM people WHERE org_id = $1 AND id = $2
    ), descriptions AS (
        UPDATE sessions s
        SET description = replace(s.description, named.full_name, $8), updated_at = now()
        FROM named
        WHERE s.org_id = $1 AND strpos(s.description, named.full_name) > 0
        RETURNING 1
    ), erasure AS (
        INSERT INTO subject_erasures (org_id, person_id, erased_by)
        SELECT $1, id, $6 FROM person
        RETURNING person_id, erased_at
    ), recognised AS (
        INSERT INTO erased_external_ids (org_id, key, person_id, erased_at)
        SELECT $1, $7, person_id, erased_at FROM erasure
        ON CONFLICT (org_id, key) DO NOTHING
        RETURNING 1
    )
    SELECT erased_at, (SELECT full_name FROM named) AS full_name FROM erasure
"""


async def pseudonymise(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    erased_by: str,
    external_id: str,
) -> tuple[datetime, str]:
    """The person's name and identifiers replaced (in the tenant's session descriptions too,
    where their full name stood), their registrations deleted, their calendar feeds revoked
    and the stored answers naming them dropped; the row and everything that counts
    (memberships, attendance) kept; their ``external_id`` kept only as the key that
    recognises it (:func:`rules.erased_key`). When it was done, and the full name it took."""
    row = await conn.fetchrow(
        _PSEUDONYMISE,
        org_id,
        person_id,
        rules.ERASED_GIVEN_NAME,
        rules.ERASED_FAMILY_NAME,
        rules.erased_external_id(person_id),
        erased_by,
        rules.erased_key(org_id, external_id),
        rules.ERASED_NAME,
    )
    assert row is not None, "the erasure's own row"
    return row["erased_at"], row["full_name"]


ANNOUNCED_AGAIN_AFTER = "1 day"
"""How soon a sync sending an erased person's id again is announced again (ADR 0098)."""


async def refusals_to_announce(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_ids: Collection[str]
) -> set[str]:
    """Those of ``external_ids`` (each an erased person's, :func:`erased_among`) whose refusal
    is announced now, marked so: an HR id once a day at most, an erased person's pseudonym
    (which no tombstone holds) every time. Concurrent refusals of one id announce it once."""
    keys = {rules.erased_key(org_id, external_id): external_id for external_id in external_ids}
    rows = await conn.fetch(
        f"""
        WITH known AS (
            SELECT key, announced_at FROM erased_external_ids
            WHERE org_id = $1 AND key = ANY ($2::bytea[])
            FOR UPDATE
        ), marked AS (
            UPDATE erased_external_ids e SET announced_at = now()
            FROM known k
            WHERE e.org_id = $1 AND e.key = k.key
              AND (k.announced_at IS NULL
                   OR k.announced_at < now() - interval '{ANNOUNCED_AGAIN_AFTER}')
            RETURNING e.key
        )
        SELECT k.key, k.key IN (SELECT key FROM marked) AS announce FROM known k
        """,
        org_id,
        list(keys),
    )
    held = {keys[bytes(row["key"])]: row["announce"] for row in rows}
    return {x for x in external_ids if held.get(x, True)}


async def erased_among(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_ids: list[str]
) -> set[str]:
    """Those of ``external_ids`` that were the HR system's ids of people since erased, or
    that are an erased person's pseudonym (``erased-<person id>``)."""
    keys = {rules.erased_key(org_id, external_id): external_id for external_id in external_ids}
    found = await conn.fetch(
        """
        SELECT key, NULL::text AS external_id FROM erased_external_ids
        WHERE org_id = $1 AND key = ANY ($2::bytea[])
        UNION ALL
        SELECT NULL, external_id FROM people
        WHERE org_id = $1 AND external_id = ANY ($3::text[]) AND erased_at IS NOT NULL
        """,
        org_id,
        list(keys),
        external_ids,
    )
    return {row["external_id"] or keys[bytes(row["key"])] for row in found}


async def events_naming(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[tuple[int, Any]]:
    """Each event in the outbox that names the person: its position and snapshot."""
    found = await conn.fetch(
        """
        SELECT position, payload FROM outbox
        WHERE org_id = $1 AND (aggregate_id = $2 OR strpos(payload::text, $2::text) > 0)
        ORDER BY position
        """,
        org_id,
        person_id,
    )
    return [(row["position"], row["payload"]) for row in found]


async def rewrite_events(
    conn: asyncpg.Connection, org_id: uuid.UUID, payloads: list[tuple[int, Any]]
) -> None:
    """Each event's snapshot replaced by the one given (by position)."""
    await conn.executemany(
        "UPDATE outbox SET payload = $3 WHERE org_id = $1 AND position = $2",
        [(org_id, position, payload) for position, payload in payloads],
    )
