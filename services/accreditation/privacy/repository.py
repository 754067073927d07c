"""The SQL of a person's data in accreditation: each kind read from a server-side cursor, and
what accreditation's part of their erasure removes (the ledger's own shredding is
``ledger/repository.py``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from ..ledger import repository as ledger

PREFETCH = 200
"""Rows a cursor holds at a time: no kind of a person's records is held whole."""
_STORED = ", ".join(ledger.ENTRY_COLUMNS)


async def person_rows(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every stored column of a person's entries that still hold their name, in chain order."""
    rows = await conn.fetch(
        f"SELECT {_STORED} FROM ledger_entries"
        " WHERE org_id = $1 AND person_id = $2 AND person_name IS NOT NULL ORDER BY seq",
        org_id,
        person_id,
    )
    return [dict(row) for row in rows]


async def rows_due(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, cycle_ended_before: date, limit: int
) -> list[dict[str, Any]]:
    """Entries still naming their person in cycles that ended before the day: evidence past
    its retention (at most ``limit``, in chain order), every stored column."""
    rows = await conn.fetch(
        f"SELECT {_STORED} FROM ledger_entries"
        " WHERE org_id = $1 AND cycle_end < $2 AND person_name IS NOT NULL"
        " ORDER BY seq LIMIT $3",
        org_id,
        cycle_ended_before,
        limit,
    )
    return [dict(row) for row in rows]


PERSON_ENTRIES = (
    f"SELECT {ledger.SHOWN} FROM ledger_entries WHERE org_id = $1 AND person_id = $2 ORDER BY seq"
)
"""Every entry of a person ($2), as the ledger shows them, in chain order."""


async def shred(conn: asyncpg.Connection, org_id: uuid.UUID, entry_ids: list[uuid.UUID]) -> int:
    """Shred the name, number and salt of entries (the append-only trigger admits only this)."""
    status = await conn.execute(
        """
        UPDATE ledger_entries SET person_name = NULL, registration_number = NULL,
                                  personal_salt = NULL
        WHERE org_id = $1 AND id = ANY($2::uuid[]) AND person_name IS NOT NULL
        """,
        org_id,
        entry_ids,
    )
    return int(status.split()[-1])


# Each kind's query: $1 the tenant, $2 the person; ordered, so an export reads the same twice.
KINDS: dict[str, str] = {
    "ledger_entries": PERSON_ENTRIES,
    "outcomes": """
        SELECT id, session_id, session_date, register_code, registration_number, person_name,
               status, entry_id, minutes, points_centi, reasons, rule_version, judged_at
        FROM outcomes WHERE org_id = $1 AND person_id = $2 ORDER BY session_date, id
    """,
    "session_snapshots": """
        SELECT s.session_id AS id, s.session_id, s.received_at, s.updated_at, a AS attendee
        FROM session_snapshots s CROSS JOIN jsonb_array_elements(s.snapshot -> 'attendees') a
        WHERE s.org_id = $1 AND a ->> 'person_id' = $2::uuid::text ORDER BY s.session_id
    """,
    "attendance_confirmations": """
        SELECT session_id AS id, session_id, confirmed_at FROM attendance_confirmations
        WHERE org_id = $1 AND person_id = $2 ORDER BY session_id
    """,
    "consents": """
        SELECT id, register_code, granted_at, revoked_at FROM consents
        WHERE org_id = $1 AND person_id = $2 ORDER BY register_code
    """,
    "credentials": """
        SELECT id, kind, register_code, cycle_start, cycle_end, entry_id, entry_ids,
               reflection_ids, status_list, status_index, issued_at, key_id, jws, replaces_id,
               revoked_at, revoked_reason
        FROM credentials WHERE org_id = $1 AND person_id = $2 ORDER BY id
    """,
    "reflection_statements": """
        SELECT id, person_id, person_name, register_code, cycle_start, cycle_end,
               supervisor_id, supervisor_name, requested_at, requested_by, status,
               countersigned_at, countersigned_by, recognition_register, recognition_number
        FROM reflection_statements
        WHERE org_id = $1 AND (person_id = $2 OR supervisor_id = $2) ORDER BY id
    """,
    "events": """
        SELECT id, type, aggregate_id, occurred_at, payload AS data FROM outbox
        WHERE org_id = $1 AND aggregate_id = $2 ORDER BY position
    """,
    "processing_log": """
        SELECT id, at, actor_subject, actor_role, operation, scope, "grant", request_id
        FROM processing_log WHERE org_id = $1 AND person_id = $2 ORDER BY at, id
    """,
    "erasures": """
        SELECT person_id AS id, erased_at, erased_by, entries_shredded, credentials_revoked
        FROM subject_erasures WHERE org_id = $1 AND person_id = $2
    """,
}
"""What accreditation holds about a person, kind by kind: the rows the export lists."""


async def rows(
    conn: asyncpg.Connection, kind: str, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[Any]:
    """One kind of the person's records, from a cursor inside ``conn``'s transaction (ledger
    entries as the ledger shows them)."""
    cursor = conn.cursor(KINDS[kind], org_id, person_id, prefetch=PREFETCH)
    convert = ledger.entry if kind == "ledger_entries" else dict
    async for row in cursor:
        yield convert(row)


async def documents(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[uuid.UUID]:
    """The person's credentials that can still be printed (an erased one's token is gone)."""
    async for row in conn.cursor(
        "SELECT id FROM credentials WHERE org_id = $1 AND person_id = $2 AND jws <> '' ORDER BY id",
        org_id,
        person_id,
        prefetch=PREFETCH,
    ):
        yield row["id"]


class Erasure(msgspec.Struct, frozen=True, kw_only=True):
    """Accreditation's part of a person's erasure, as recorded."""

    erased_at: datetime
    erased_by: str
    entries_shredded: int
    credentials_revoked: int


async def erasure(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> Erasure | None:
    row = await conn.fetchrow(
        "SELECT erased_at, erased_by, entries_shredded, credentials_revoked"
        " FROM subject_erasures WHERE org_id = $1 AND person_id = $2",
        org_id,
        person_id,
    )
    return None if row is None else Erasure(**dict(row))


async def erased(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    """Whether the person was erased (their totals are gone)."""
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM subject_erasures WHERE org_id = $1 AND person_id = $2)",
        org_id,
        person_id,
    )
    return bool(found)


async def erased_among(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these people were erased (nothing is recorded about them again)."""
    rows = await conn.fetch(
        "SELECT person_id FROM subject_erasures WHERE org_id = $1 AND person_id = ANY($2::uuid[])",
        org_id,
        person_ids,
    )
    return {row["person_id"] for row in rows}


async def record_erasure(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, erasure: Erasure
) -> None:
    await conn.execute(
        """
        INSERT INTO subject_erasures
            (org_id, person_id, erased_at, erased_by, entries_shredded, credentials_revoked)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        org_id,
        person_id,
        erasure.erased_at,
        erasure.erased_by,
        erasure.entries_shredded,
        erasure.credentials_revoked,
    )


_REMOVE_EVIDENCE = """
    WITH outcomes AS (
        DELETE FROM outcomes WHERE org_id = $1 AND person_id = $2 RETURNING 1
    ), statements AS (
        DELETE FROM reflection_statements WHERE org_id = $1 AND person_id = $2 RETURNING 1
    ), supervised AS (
        UPDATE reflection_statements SET supervisor_name = $3, recognition_number = NULL
        WHERE org_id = $1 AND supervisor_id = $2 RETURNING 1
    ), confirmations AS (
        DELETE FROM attendance_confirmations WHERE org_id = $1 AND person_id = $2 RETURNING 1
    ), events AS (
        UPDATE outbox SET payload = payload - 'registration_number'
        WHERE org_id = $1 AND aggregate_id = $2 AND payload ? 'registration_number'
        RETURNING 1
    ), answers AS (
        DELETE FROM idempotency_keys
        WHERE org_id = $1 AND position(convert_to($2::uuid::text, 'UTF8') IN body) > 0
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM outcomes) + (SELECT count(*) FROM statements)
         + (SELECT count(*) FROM supervised) + (SELECT count(*) FROM confirmations)
         + (SELECT count(*) FROM events) + (SELECT count(*) FROM answers)
"""


async def remove_evidence(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, *, erased_name: str
) -> int:
    """The person's outcomes, reflection statements and attendance confirmations deleted, the
    statements they supervised and the events about them stripped of their name and number,
    the stored answers naming them dropped: how many rows it touched."""
    touched = await conn.fetchval(_REMOVE_EVIDENCE, org_id, person_id, erased_name)
    return int(touched)


async def snapshots_naming(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Each closed session's snapshot that names the person (an attendee or the facilitator)."""
    found = await conn.fetch(
        """
        SELECT session_id, snapshot FROM session_snapshots
        WHERE org_id = $1
          AND (snapshot -> 'attendees'
                   @> jsonb_build_array(jsonb_build_object('person_id', $2::uuid::text))
               OR snapshot -> 'facilitator' ->> 'person_id' = $2::uuid::text)
        ORDER BY session_id
        """,
        org_id,
        person_id,
    )
    return [(row["session_id"], row["snapshot"]) for row in found]


async def rewrite_snapshots(
    conn: asyncpg.Connection, org_id: uuid.UUID, snapshots: list[tuple[uuid.UUID, Any]]
) -> None:
    await conn.executemany(
        "UPDATE session_snapshots SET snapshot = $3, updated_at = now()"
        " WHERE org_id = $1 AND session_id = $2",
        [(org_id, session_id, snapshot) for session_id, snapshot in snapshots],
    )
