"""Many people at once: what is wrong with a batch (one query), then writing all of it (two).

Three statements whatever the batch's size, all in the request's transaction. A batch cannot
name a person it creates (their id is not known yet), so a manager is always a stored person
and the order of the items never matters.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import asyncpg

from services.kit.errors import FieldError, NotFound, RuleViolation
from services.kit.ids import uuid7

from .. import rules
from ..schemas import PersonBatchItem
from .columns import CHANGED, INSERTED, UPDATED

# Each lookup is LATERAL ... LIMIT 1 on a unique key, so that the planner looks each item up by
# index instead of hashing all the tenant's people for a few hundred of them.
_FINDINGS = """
    WITH RECURSIVE batch AS (
        SELECT b.idx, b.manager_id, b.employer_id, p.id, p.employer_id AS stored_employer_id,
               b.manager_id IS NOT NULL AND m.id IS NULL AS unknown_manager,
               p.erased_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM erased_external_ids e WHERE e.org_id = $1 AND e.key = b.key
               ) AS erased
        FROM unnest($2::text[], $3::uuid[], $4::uuid[], $6::bytea[])
             WITH ORDINALITY AS b(external_id, manager_id, employer_id, key, idx)
        LEFT JOIN LATERAL (
            SELECT p.id, p.employer_id, p.erased_at FROM people p
            WHERE p.org_id = $1 AND p.external_id = b.external_id LIMIT 1
        ) p ON true
        LEFT JOIN LATERAL (
            SELECT m.id FROM people m
            WHERE m.org_id = $1 AND m.id = b.manager_id AND ($5::uuid IS NULL OR m.employer_id = $5)
            LIMIT 1
        ) m ON true
    ),
    -- From each stored person of the batch up their manager chain as it will be: the batch's
    -- manager replaces the stored one. A chain that comes back to where it started is a cycle.
    chain(idx, start_id, id) AS (
        SELECT idx, id, manager_id FROM batch WHERE id IS NOT NULL AND manager_id IS NOT NULL
        UNION
        SELECT c.idx, c.start_id, CASE WHEN b.id IS NULL THEN p.manager_id ELSE b.manager_id END
        FROM chain c
        LEFT JOIN batch b ON b.id = c.id
        LEFT JOIN LATERAL (
            SELECT p.manager_id FROM people p WHERE p.org_id = $1 AND p.id = c.id LIMIT 1
        ) p ON true
        WHERE c.id <> c.start_id
          AND CASE WHEN b.id IS NULL THEN p.manager_id ELSE b.manager_id END IS NOT NULL
    ),
    findings AS (
        SELECT b.idx - 1 AS index,
               b.employer_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM client_organisations o
                   WHERE o.org_id = $1 AND o.id = b.employer_id
               ) AS unknown_employer,
               b.unknown_manager,
               b.idx IN (SELECT idx FROM chain WHERE id = start_id) AS manager_cycle,
               $5::uuid IS NOT NULL AND b.id IS NOT NULL
                   AND b.stored_employer_id IS DISTINCT FROM $5 AS foreign_person,
               b.erased
        FROM batch b
    )
    SELECT * FROM findings
    WHERE unknown_employer OR unknown_manager OR manager_cycle OR foreign_person OR erased
    ORDER BY index
"""


async def batch_findings(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    items: Sequence[PersonBatchItem],
    employer_ids: Sequence[uuid.UUID | None],
    *,
    confined_to: uuid.UUID | None,
    erased_keys: Sequence[bytes],
) -> list[rules.Finding]:
    """What is wrong with the batch's references, in one query: unknown employers and managers,
    manager cycles (also those the batch itself closes) and, for a writer ``confined_to`` one
    client organisation, stored people employed elsewhere; to such a writer a manager employed
    elsewhere is unknown (ADR 0080). And the items that send an erased person's id: the one
    whose key (``erased_keys``, one per item) an erasure kept, or an erased person's pseudonym
    (ADR 0098)."""
    rows = await conn.fetch(
        _FINDINGS,
        org_id,
        [item.external_id for item in items],
        [item.manager_id for item in items],
        list(employer_ids),
        confined_to,
        list(erased_keys),
    )
    return [rules.Finding(**dict(row)) for row in rows]


async def upsert_batch(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    items: Sequence[PersonBatchItem],
    employer_ids: Sequence[uuid.UUID | None],
) -> dict[str, rules.Written]:
    """Create or update every item with its registrations, in two statements whatever the size:
    what was written, by external id.

    Each external id appears once in ``items``, and each register once in an item. As in
    the single upsert, ``updated_at`` moves only when a column of the person changed.
    """
    written = await _upsert_people(conn, org_id, items, employer_ids)
    people = await _replace_registrations(conn, org_id, items)
    return {
        external_id: rules.Written(
            id=person_id,
            inserted=written.get(external_id, False),
            changed=external_id in written,
            registrations_changed=registrations_changed,
        )
        for external_id, (person_id, registrations_changed) in people.items()
    }


async def _upsert_people(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    items: Sequence[PersonBatchItem],
    employer_ids: Sequence[uuid.UUID | None],
) -> dict[str, bool]:
    """The people created or changed (external id to whether created). A person whose columns
    are as stored is not rewritten, and not returned; ``ON CONFLICT`` still locks their row."""
    try:
        rows = await conn.fetch(
            f"""
            INSERT INTO people AS p ({INSERTED})
            SELECT $1, i.* FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[],
                                       $6::text[], $7::uuid[], $8::uuid[], $9::date[])
                AS i(id, external_id, given_name, family_name, email, employer_id, manager_id,
                     career_started_on)
            ORDER BY i.external_id  -- rows locked in one order: two syncs cannot deadlock
            ON CONFLICT (org_id, external_id) DO UPDATE
            SET {UPDATED}, updated_at = now()
            WHERE {CHANGED}
            RETURNING p.external_id, (p.xmax = 0) AS inserted
            """,
            org_id,
            sorted(uuid7() for _ in items),  # so that listing by id follows the request
            [item.external_id for item in items],
            [item.given_name for item in items],
            [item.family_name for item in items],
            [item.email for item in items],
            list(employer_ids),
            [item.manager_id for item in items],
            [item.career_started_on for item in items],
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise _missing_reference(exc, items, employer_ids) from exc
    except asyncpg.CheckViolationError as exc:
        raise RuleViolation(
            "A person cannot be their own manager.",
            errors=[FieldError(field="body.items", rule="manager_cycle", message="own manager")],
        ) from exc
    return {row["external_id"]: row["inserted"] for row in rows}


async def _replace_registrations(
    conn: asyncpg.Connection, org_id: uuid.UUID, items: Sequence[PersonBatchItem]
) -> dict[str, tuple[uuid.UUID, bool]]:
    """Each item's registrations replace the person's stored ones; external id to the person's
    id and whether their registrations changed. Unchanged registrations are not rewritten."""
    registrations = [(item.external_id, r) for item in items for r in item.registrations]
    rows = await conn.fetch(
        """
        WITH persons AS (
            SELECT p.id, p.external_id FROM people p
            WHERE p.org_id = $1 AND p.external_id = ANY ($2::text[])
        ),
        wanted AS (
            SELECT persons.id AS person_id, w.register, w.number, w.registered_on
            FROM unnest($3::text[], $4::text[], $5::text[], $6::date[])
                AS w(external_id, register, number, registered_on)
            JOIN persons USING (external_id)
        ),
        removed AS (
            DELETE FROM person_registrations r USING persons
            WHERE r.org_id = $1 AND r.person_id = persons.id
              AND NOT EXISTS (
                  SELECT 1 FROM wanted w
                  WHERE w.person_id = r.person_id AND w.register = r.register
              )
            RETURNING r.person_id
        ),
        stored AS (
            INSERT INTO person_registrations AS r (org_id, person_id, register, number,
                                                   registered_on)
            SELECT $1, person_id, register, number, registered_on FROM wanted
            ON CONFLICT (org_id, person_id, register) DO UPDATE
            SET number = EXCLUDED.number, registered_on = EXCLUDED.registered_on
            WHERE (r.number, r.registered_on)
                  IS DISTINCT FROM (EXCLUDED.number, EXCLUDED.registered_on)
            RETURNING r.person_id
        )
        SELECT persons.id, persons.external_id,
               persons.id IN (SELECT person_id FROM removed
                              UNION ALL SELECT person_id FROM stored) AS changed
        FROM persons
        """,
        org_id,
        [item.external_id for item in items],
        [external_id for external_id, _ in registrations],
        [r.register for _, r in registrations],
        [r.number for _, r in registrations],
        [r.registered_on for _, r in registrations],
    )
    return {row["external_id"]: (row["id"], row["changed"]) for row in rows}


_KEY = re.compile(r"\)=\(.*, *([0-9a-f-]{36})\)")


def _missing_reference(
    exc: asyncpg.ForeignKeyViolationError,
    items: Sequence[PersonBatchItem],
    employer_ids: Sequence[uuid.UUID | None],
) -> NotFound:
    """A reference that vanished after the findings were read: a 404 naming each item with it."""
    employer = "employer" in (exc.constraint_name or "")
    field, what = ("employer_id", "client organisation") if employer else ("manager_id", "person")
    references = employer_ids if employer else [item.manager_id for item in items]
    match = _KEY.search(getattr(exc, "detail", None) or "")
    missing = uuid.UUID(match.group(1)) if match else None
    indexes = [
        index
        for index, reference in enumerate(references)
        if reference is not None and (missing is None or reference == missing)
    ]
    return NotFound(
        f"No {what} {missing}." if missing else f"A {what} the batch names does not exist.",
        errors=[
            FieldError(
                field=rules.item_field(index, field), rule="exists", message=f"no such {what}"
            )
            for index in indexes
        ],
    )
