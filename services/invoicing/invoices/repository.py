from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg
import msgspec

from services.kit.errors import NotFound
from services.kit.ids import uuid7

from .rules import Draft, Numbered
from .schemas import CostLine, Invoice, Seller

_COLUMNS = """id, kind, status, number, issue_date, due_date, paid_on, cost_sheet_id,
    facilitator_id, person_id, participant_name, description, supply_date, seller, buyer, lines,
    btw_rate_percent, subtotal_cents, btw_cents, total_cents, credits_id, credits_number,
    credits_issue_date, created_at"""

_decode = msgspec.convert


def _invoice(row: asyncpg.Record) -> Invoice:
    return _decode(dict(row), Invoice)


async def insert_drafts(
    conn: asyncpg.Connection, org_id: uuid.UUID, drafts: Sequence[Draft], *, seller: Seller
) -> list[uuid.UUID]:
    """The drafts of a cost sheet, all billed by ``seller``; their ids in the drafts' order."""
    ids = sorted(uuid7() for _ in drafts)  # creation order is the participants' order
    await conn.executemany(
        """
        INSERT INTO invoices (
            org_id, id, kind, status, cost_sheet_id, position, facilitator_id, person_id,
            participant_name, description, supply_date, seller, buyer, lines, btw_rate_percent,
            subtotal_cents, btw_cents, total_cents
        )
        VALUES ($1, $2, 'invoice', 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                $15, $16)
        """,
        [
            (
                org_id,
                invoice_id,
                draft.cost_sheet_id,
                draft.position,
                draft.facilitator_id,
                draft.person_id,
                draft.participant_name,
                draft.description,
                draft.supply_date,
                seller,
                draft.buyer,
                draft.lines,
                draft.btw_rate_percent,
                draft.subtotal_cents,
                draft.btw_cents,
                draft.total_cents,
            )
            for invoice_id, draft in zip(ids, drafts, strict=True)
        ],
    )
    return ids


async def get(
    conn: asyncpg.Connection, org_id: uuid.UUID, invoice_id: uuid.UUID, *, lock: bool = False
) -> Invoice:
    """One invoice; ``lock`` takes its row for the rest of the transaction (``FOR UPDATE``)."""
    query = f"SELECT {_COLUMNS} FROM invoices WHERE org_id = $1 AND id = $2"
    row = await conn.fetchrow(query + (" FOR UPDATE" if lock else ""), org_id, invoice_id)
    if row is None:
        raise NotFound(f"No invoice {invoice_id}.")
    return _invoice(row)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    cost_sheet_id: uuid.UUID | None,
    facilitator_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
) -> list[Invoice]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM invoices
        WHERE org_id = $1
          AND ($2::uuid IS NULL OR id > $2)
          AND ($3::uuid IS NULL OR cost_sheet_id = $3)
          AND ($4::uuid IS NULL OR facilitator_id = $4)
          AND ($5::uuid IS NULL OR (person_id = $5 AND status <> 'draft'))
        ORDER BY id
        LIMIT $6
        """,
        org_id,
        after,
        cost_sheet_id,
        facilitator_id,
        person_id,
        limit + 1,
    )
    return [_invoice(row) for row in rows]


async def of_cost_sheet(
    conn: asyncpg.Connection, org_id: uuid.UUID, cost_sheet_id: uuid.UUID, *, lock: bool = False
) -> list[Invoice]:
    """The sheet's invoices, then its credit notes; ``lock`` takes their rows (``FOR UPDATE``)."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM invoices
        WHERE org_id = $1 AND cost_sheet_id = $2
        ORDER BY kind DESC, position, id
        """
        + (" FOR UPDATE" if lock else ""),
        org_id,
        cost_sheet_id,
    )
    return [_invoice(row) for row in rows]


async def next_number(conn: asyncpg.Connection, org_id: uuid.UUID, prefix: str, year: int) -> int:
    """The next number of a series, taken in the caller's transaction.

    The counter row stays locked until the transaction ends, so concurrent issuers
    queue behind it; a rolled-back issue rolls its number back too: no gaps.
    """
    value = await conn.fetchval(
        """
        INSERT INTO invoice_series (org_id, prefix, year, last_number)
        VALUES ($1, $2, $3, 1)
        ON CONFLICT (org_id, prefix, year)
        DO UPDATE SET last_number = invoice_series.last_number + 1
        RETURNING last_number
        """,
        org_id,
        prefix,
        year,
    )
    assert isinstance(value, int)
    return value


async def mark_issued(
    conn: asyncpg.Connection, org_id: uuid.UUID, invoice_id: uuid.UUID, numbered: Numbered
) -> Invoice:
    row = await conn.fetchrow(
        f"""
        UPDATE invoices SET status = 'issued', number = $3, issue_date = $4, due_date = $5
        WHERE org_id = $1 AND id = $2 AND status = 'draft'
        RETURNING {_COLUMNS}
        """,
        org_id,
        invoice_id,
        *numbered,  # number, issue_date, due_date
    )
    assert row is not None
    return _invoice(row)


async def mark_paid(
    conn: asyncpg.Connection, org_id: uuid.UUID, invoice_id: uuid.UUID, *, paid_on: date
) -> Invoice:
    row = await conn.fetchrow(
        f"""
        UPDATE invoices SET status = 'paid', paid_on = $3
        WHERE org_id = $1 AND id = $2 AND status = 'issued'
        RETURNING {_COLUMNS}
        """,
        org_id,
        invoice_id,
        paid_on,
    )
    assert row is not None
    return _invoice(row)


async def mark_credited(conn: asyncpg.Connection, org_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE invoices SET status = 'credited' WHERE org_id = $1 AND id = $2",
        org_id,
        invoice_id,
    )


async def insert_credit_note(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    original: Invoice,
    *,
    lines: Sequence[CostLine],
    numbered: Numbered,
) -> Invoice:
    """The credit note of ``original``, issued at once: the same lines, negated."""
    assert original.issue_date is not None
    row = await conn.fetchrow(
        f"""
        INSERT INTO invoices (
            org_id, id, kind, status, cost_sheet_id, position, facilitator_id, person_id,
            participant_name, description, supply_date, seller, buyer, lines, btw_rate_percent,
            subtotal_cents, btw_cents, total_cents, number, issue_date, due_date,
            credits_id, credits_number, credits_issue_date
        )
        SELECT org_id, $3, 'credit_note', 'issued', cost_sheet_id, position, facilitator_id,
               person_id, participant_name, description, supply_date, seller, buyer, $4,
               btw_rate_percent, -subtotal_cents, -btw_cents, -total_cents, $5, $6, $7,
               id, number, issue_date
        FROM invoices WHERE org_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        org_id,
        original.id,
        uuid7(),
        list(lines),
        *numbered,  # number, issue_date, due_date
    )
    assert row is not None
    return _invoice(row)


async def delete_drafts(
    conn: asyncpg.Connection, org_id: uuid.UUID, cost_sheet_id: uuid.UUID
) -> list[uuid.UUID]:
    """Discard a sheet's drafts: never issued, they hold no number, so no gap opens."""
    rows = await conn.fetch(
        """
        DELETE FROM invoices
        WHERE org_id = $1 AND cost_sheet_id = $2 AND status = 'draft'
        RETURNING id
        """,
        org_id,
        cost_sheet_id,
    )
    return [row["id"] for row in rows]
