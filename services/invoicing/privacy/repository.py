"""A person's data across invoicing's tables, their erasure, and the invoices past their
retention: SQL.

The person appears in their invoices and credit notes (``invoices.person_id``), as a
participant of cost sheets and of closed sessions waiting to be billed (the ``jsonb`` lists
``cost_sheets.participants`` and ``unbilled_sessions.closing -> 'attendees'``), in their
billing choice (``person_billing``) and as their own debtor (``debtors.person_id``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import NamedTuple

import asyncpg
import msgspec

from ..debtors.schemas import Debtor
from .rules import Kept
from .schemas import ERASED_NAME, BillingChoice, CostSheetShare, UnbilledAttendance

_PREFETCH = 200


class Erasure(NamedTuple):
    erased_at: datetime
    completed_at: datetime | None


async def kept(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, *, lock: bool = False
) -> list[Kept]:
    """The person's invoices and credit notes, by id; ``lock`` takes their rows, so none is
    issued, paid or credited while an erasure judges them."""
    rows = await conn.fetch(
        "SELECT id, kind, status, number, issue_date, credits_id FROM invoices"
        " WHERE org_id = $1 AND person_id = $2 ORDER BY id" + (" FOR UPDATE" if lock else ""),
        org_id,
        person_id,
    )
    return [Kept(*row) for row in rows]


async def documents(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[tuple[uuid.UUID, str, str]]:
    """The id, kind and number of each issued invoice and credit note of the person (those
    that have documents), by id, from a cursor."""
    cursor = conn.cursor(
        "SELECT id, kind, number FROM invoices"
        " WHERE org_id = $1 AND person_id = $2 AND number IS NOT NULL ORDER BY id",
        org_id,
        person_id,
        prefetch=_PREFETCH,
    )
    async for row in cursor:
        yield row["id"], row["kind"], row["number"]


async def cost_sheet_shares(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[CostSheetShare]:
    """The person's place in each cost sheet naming them, by sheet id, from a cursor."""
    cursor = conn.cursor(
        """
        SELECT s.id, s.session_id, s.facilitator_id, s.description, s.supply_date,
               (p.ord - 1)::integer AS position, p.value->>'name' AS name,
               (p.value->>'member')::boolean AS member,
               (p.value->>'attended')::boolean AS attended,
               p.value->'debtor' AS debtor,
               (p.value->>'client_organisation_id')::uuid AS client_organisation_id,
               s.created_at
        FROM cost_sheets s
        CROSS JOIN LATERAL jsonb_array_elements(s.participants) WITH ORDINALITY AS p(value, ord)
        WHERE s.org_id = $1 AND p.value->>'person_id' = ($2::uuid)::text
        ORDER BY s.id, p.ord
        """,
        org_id,
        person_id,
        prefetch=_PREFETCH,
    )
    async for row in cursor:
        values = dict(row)
        debtor = values.pop("debtor")
        yield CostSheetShare(
            **values, debtor=None if debtor is None else msgspec.convert(debtor, Debtor)
        )


async def billing_choices(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[BillingChoice]:
    rows = await conn.fetch(
        "SELECT person_id AS id, pays, debtor_id, created_at, updated_at FROM person_billing"
        " WHERE org_id = $1 AND person_id = $2",
        org_id,
        person_id,
    )
    return [BillingChoice(**dict(row)) for row in rows]


async def unbilled_attendance(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[UnbilledAttendance]:
    """The person in the closed sessions waiting to be billed (a handful at most)."""
    rows = await conn.fetch(
        """
        SELECT u.id, u.session_id, a.value->>'name' AS name, a.value->>'status' AS status,
               (a.value->>'employer_id')::uuid AS employer_id, u.held_at
        FROM unbilled_sessions u
        CROSS JOIN LATERAL jsonb_array_elements(u.closing->'attendees') AS a(value)
        WHERE u.org_id = $1 AND a.value->>'person_id' = ($2::uuid)::text
        ORDER BY u.id
        """,
        org_id,
        person_id,
    )
    return [UnbilledAttendance(**dict(row)) for row in rows]


async def erasure(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> Erasure | None:
    row = await conn.fetchrow(
        "SELECT erased_at, completed_at FROM subject_erasures WHERE org_id = $1 AND person_id = $2",
        org_id,
        person_id,
    )
    return None if row is None else Erasure(*row)


async def record_erasure(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, *, by: str, complete: bool
) -> Erasure | None:
    """Record the erasure, ``complete`` when nothing is held; ``None`` when it was recorded
    before (a concurrent request waits on the first one's row, then finds it)."""
    row = await conn.fetchrow(
        """
        INSERT INTO subject_erasures (org_id, person_id, erased_by, completed_at)
        VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
        ON CONFLICT (org_id, person_id) DO NOTHING
        RETURNING erased_at, completed_at
        """,
        org_id,
        person_id,
        by,
        complete,
    )
    return None if row is None else Erasure(*row)


async def erase_relations(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """The person's billing choice, the debtors that are the person (their own), and the
    stored answers to idempotent requests (kept 24 hours) that name them."""
    await conn.execute(
        """
        WITH choice AS (
            DELETE FROM person_billing WHERE org_id = $1 AND person_id = $2 RETURNING debtor_id
        ), answers AS (
            DELETE FROM idempotency_keys
            WHERE org_id = $1 AND position(convert_to($2::uuid::text, 'UTF8') IN body) > 0
        )
        DELETE FROM debtors
        WHERE org_id = $1 AND (person_id = $2 OR id IN (SELECT debtor_id FROM choice))
        """,
        org_id,
        person_id,
    )


async def erase_from_cost_sheets(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """The person's name, and the debtor given for them, in cost sheets: replaced by
    :data:`ERASED_NAME` and null. Their id and place stay, so each sheet's split adds up as
    before."""
    await conn.execute(
        """
        UPDATE cost_sheets SET participants = (
            SELECT jsonb_agg(CASE WHEN p.value->>'person_id' = ($2::uuid)::text
                                  THEN p.value || jsonb_build_object('name', $3::text,
                                                                     'debtor', NULL)
                                  ELSE p.value END ORDER BY p.ord)
            FROM jsonb_array_elements(participants) WITH ORDINALITY AS p(value, ord)
        )
        WHERE org_id = $1 AND participants @> jsonb_build_array(
            jsonb_build_object('person_id', ($2::uuid)::text))
        """,
        org_id,
        person_id,
        ERASED_NAME,
    )


async def erase_from_closings(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """The person's name in the closings of sessions waiting to be billed, replaced by
    :data:`ERASED_NAME`; their id and attendance stay."""
    await conn.execute(
        """
        UPDATE unbilled_sessions SET closing = jsonb_set(closing, '{attendees}', (
            SELECT jsonb_agg(CASE WHEN a.value->>'person_id' = ($2::uuid)::text
                                  THEN a.value || jsonb_build_object('name', $3::text)
                                  ELSE a.value END ORDER BY a.ord)
            FROM jsonb_array_elements(closing->'attendees') WITH ORDINALITY AS a(value, ord)
        ))
        WHERE org_id = $1 AND closing->'attendees' @> jsonb_build_array(
            jsonb_build_object('person_id', ($2::uuid)::text))
        """,
        org_id,
        person_id,
        ERASED_NAME,
    )


class Removed(NamedTuple):
    invoice_id: uuid.UUID
    kind: str
    person_id: uuid.UUID
    number: str | None


async def allow_removal(conn: asyncpg.Connection, as_of: date) -> None:
    """Tell the database the day the retention job removes for, in this transaction: only then
    does ``invoices_keep_issued`` let an issued invoice past its legal minimum go."""
    await conn.execute("SELECT set_config('kring.retention_as_of', $1, true)", as_of.isoformat())


async def remove_due(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, before: date, limit: int
) -> list[Removed]:
    """Up to ``limit`` invoices issued before ``before`` whose credit note (if any) is too,
    removed with their credit notes. Invoices another run holds are skipped (``SKIP LOCKED``):
    two runs never wait on, or remove, the same rows."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT i.id FROM invoices i
            WHERE i.org_id = $1 AND i.kind = 'invoice' AND i.issue_date < $2
              AND NOT EXISTS (SELECT 1 FROM invoices n
                              WHERE n.org_id = i.org_id AND n.credits_id = i.id
                                AND n.issue_date >= $2)
            ORDER BY i.issue_date, i.id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM invoices
        WHERE org_id = $1 AND (id IN (SELECT id FROM due) OR credits_id IN (SELECT id FROM due))
        RETURNING id, kind, person_id, number
        """,
        org_id,
        before,
        limit,
    )
    return [Removed(*row) for row in rows]


async def remove_abandoned_sheets(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, before: date
) -> int:
    """Cost sheets of sessions supplied before ``before`` with no issued invoice left: their
    drafts, never issued in all that time, and then the sheets themselves."""
    await conn.execute(
        """
        DELETE FROM invoices i USING cost_sheets s
        WHERE i.org_id = $1 AND s.org_id = $1 AND i.cost_sheet_id = s.id
          AND s.supply_date < $2 AND i.status IN ('draft', 'needs_debtor')
        """,
        org_id,
        before,
    )
    removed = await conn.fetch(
        """
        DELETE FROM cost_sheets s
        WHERE s.org_id = $1 AND s.supply_date < $2
          AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.org_id = s.org_id
                          AND i.cost_sheet_id = s.id)
        RETURNING s.id
        """,
        org_id,
        before,
    )
    return len(removed)


async def complete_erasures(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[uuid.UUID]:
    """The tenant's erasures that no invoice holds any more, marked complete; the people's ids.
    Another run's, or an earlier run's, left incomplete are completed here too."""
    rows = await conn.fetch(
        """
        UPDATE subject_erasures e SET completed_at = now()
        WHERE e.org_id = $1 AND e.completed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM invoices i
                          WHERE i.org_id = e.org_id AND i.person_id = e.person_id)
        RETURNING e.person_id
        """,
        org_id,
    )
    return [row["person_id"] for row in rows]
