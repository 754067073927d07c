from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date

import asyncpg
import msgspec

from services.kit.db import one
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .rules import Completion, Draft, Held, Numbered, Released
from .schemas import BilledTo, CostLine, Invoice, InvoiceKind, InvoiceStatus, Seller

_EMPLOYER = """COALESCE(client_organisation_id,
    (SELECT credited.client_organisation_id FROM invoices credited
     WHERE credited.org_id = invoices.org_id AND credited.id = invoices.credits_id))"""
"""The participant's employer: an invoice's own, a credit note's that of the invoice it credits
(a credit note stored before it copied the column has none of its own)."""
_COLUMNS = f"""id, kind, status, number, issue_date, due_date, paid_on, cost_sheet_id,
    facilitator_id, person_id, participant_name, description, supply_date, seller, buyer, lines,
    btw_rate_percent, subtotal_cents, btw_cents, total_cents, credits_id, credits_number,
    credits_issue_date, created_at, needs, {_EMPLOYER} AS client_organisation_id, billed_to,
    (SELECT credited.paid_on FROM invoices credited
     WHERE credited.org_id = invoices.org_id AND credited.id = invoices.credits_id)
    AS credits_paid_on"""

_decode = msgspec.convert
_encoder = msgspec.json.Encoder()


def _json(value: object) -> str:
    return _encoder.encode(value).decode()


def _invoice(row: asyncpg.Record) -> Invoice:
    return _decode(dict(row), Invoice)


async def insert_drafts(
    conn: asyncpg.Connection, org_id: uuid.UUID, drafts: Sequence[Draft], *, seller: Seller
) -> list[uuid.UUID]:
    """The drafts of a cost sheet, all billed by ``seller``; their ids in the drafts' order.

    A draft that needs something of its debtor is stored held (``needs_debtor``) with it."""
    ids = sorted(uuid7() for _ in drafts)  # creation order is the participants' order
    await conn.executemany(
        """
        INSERT INTO invoices (
            org_id, id, kind, status, needs, client_organisation_id, cost_sheet_id, position,
            facilitator_id, person_id, participant_name, description, supply_date, seller, buyer,
            lines, btw_rate_percent, subtotal_cents, btw_cents, total_cents, billed_to
        )
        VALUES ($1, $2, 'invoice',
                CASE WHEN jsonb_array_length($3::jsonb) = 0 THEN 'draft' ELSE 'needs_debtor' END,
                $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
        """,
        [
            (
                org_id,
                invoice_id,
                draft.needs,
                draft.client_organisation_id,
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
                draft.billed_to,
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
    query += " FOR UPDATE" if lock else ""
    return _invoice(await one(conn, query, org_id, invoice_id, missing=f"No invoice {invoice_id}."))


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    cost_sheet_id: uuid.UUID | None,
    facilitator_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    employer_id: uuid.UUID | None = None,
    billed_to: BilledTo | None = None,
    status: InvoiceStatus | None = None,
) -> list[Invoice]:
    """A page of invoices by id, narrowed by the filters given; a person's (``person_id``) and
    an employer's (``employer_id``, the participants' client organisation) only once issued."""
    param, where = Params(org_id), ["org_id = $1"]
    for column, value in (
        ("cost_sheet_id", cost_sheet_id),
        ("facilitator_id", facilitator_id),
        ("person_id", person_id),
        (_EMPLOYER, employer_id),
        ("billed_to", billed_to),
        ("status", status),
    ):
        if value is not None:
            where.append(f"{column} = {param(value)}")
    if person_id is not None or employer_id is not None:
        where.append("status NOT IN ('draft', 'needs_debtor')")
    query = keyset(f"SELECT {_COLUMNS} FROM invoices", where, param, asked)
    return [_invoice(row) for row in await conn.fetch(query, *param.values)]


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


async def of_person(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, *, kind: InvoiceKind
) -> AsyncIterator[Invoice]:
    """Every invoice (or every credit note) of a person, drafts too, by id, from a
    server-side cursor (the caller's transaction): never all of them in memory."""
    cursor = conn.cursor(
        f"""
        SELECT {_COLUMNS} FROM invoices
        WHERE org_id = $1 AND person_id = $2 AND kind = $3
        ORDER BY id
        """,
        org_id,
        person_id,
        kind,
        prefetch=200,
    )
    async for row in cursor:
        yield _invoice(row)


async def next_number(conn: asyncpg.Connection, kvk_number: str, year: int) -> int:
    """The next number of a supplier's series for ``year``, taken in the caller's transaction.

    One counter per supplier (KvK number) and year, whichever tenant or prefix issues: the
    row stays locked until the transaction ends, so concurrent issuers, in any tenant, queue
    behind it; a rolled-back issue rolls its number back too: no gaps.
    """
    value = await conn.fetchval(
        """
        INSERT INTO supplier_series (kvk_number, year, last_number)
        VALUES ($1, $2, 1)
        ON CONFLICT (kvk_number, year)
        DO UPDATE SET last_number = supplier_series.last_number + 1
        RETURNING last_number
        """,
        kvk_number,
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
    """The credit note of ``original``, issued at once: the same lines, negated, billing
    whom it billed."""
    assert original.issue_date is not None
    row = await conn.fetchrow(
        f"""
        INSERT INTO invoices (
            org_id, id, kind, status, cost_sheet_id, position, facilitator_id, person_id,
            participant_name, description, supply_date, seller, buyer, lines, btw_rate_percent,
            subtotal_cents, btw_cents, total_cents, number, issue_date, due_date,
            credits_id, credits_number, credits_issue_date, client_organisation_id, billed_to
        )
        SELECT org_id, $3, 'credit_note', 'issued', cost_sheet_id, position, facilitator_id,
               person_id, participant_name, description, supply_date, seller, buyer, $4,
               btw_rate_percent, -subtotal_cents, -btw_cents, -total_cents, $5, $6, $7,
               id, number, issue_date, client_organisation_id, billed_to
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
    """Discard a sheet's drafts, held ones too: never issued, they hold no number, so no gap
    opens."""
    rows = await conn.fetch(
        """
        DELETE FROM invoices
        WHERE org_id = $1 AND cost_sheet_id = $2 AND status IN ('draft', 'needs_debtor')
        RETURNING id
        """,
        org_id,
        cost_sheet_id,
    )
    return [row["id"] for row in rows]


async def held(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_ids: Sequence[uuid.UUID],
    client_organisation_ids: Sequence[uuid.UUID],
) -> list[Held]:
    """The held drafts of these people or of these people's employers, locked (``FOR UPDATE``)."""
    rows = await conn.fetch(
        """
        SELECT id, person_id, client_organisation_id FROM invoices
        WHERE org_id = $1 AND status = 'needs_debtor'
          AND (person_id = ANY($2::uuid[]) OR client_organisation_id = ANY($3::uuid[]))
        ORDER BY cost_sheet_id, position
        FOR UPDATE
        """,
        org_id,
        list(person_ids),
        list(client_organisation_ids),
    )
    return [Held(*row) for row in rows]


async def complete(
    conn: asyncpg.Connection, org_id: uuid.UUID, completions: Sequence[Completion]
) -> list[Released]:
    """Give held drafts their debtors as resolved now, in one statement: each one whose debtor
    lacks nothing becomes a draft. Those, in sheet order, with their profile's ``auto_issue``."""
    rows = await conn.fetch(
        """
        WITH completed AS (
            UPDATE invoices i
            SET buyer = c.buyer::jsonb, needs = c.needs::jsonb, billed_to = c.billed_to,
                status = CASE WHEN jsonb_array_length(c.needs::jsonb) = 0
                              THEN 'draft' ELSE 'needs_debtor' END
            FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[])
                AS c (id, buyer, needs, billed_to)
            WHERE i.org_id = $1 AND i.id = c.id AND i.status = 'needs_debtor'
            RETURNING i.id, i.status, i.cost_sheet_id, i.position, i.facilitator_id
        )
        SELECT completed.id, profile.auto_issue
        FROM completed
        JOIN billing_profiles profile
          ON profile.org_id = $1 AND profile.facilitator_id = completed.facilitator_id
        WHERE completed.status = 'draft'
        ORDER BY completed.cost_sheet_id, completed.position
        """,
        org_id,
        [c.id for c in completions],
        # as JSON text: asyncpg would read a list of lists as a two-dimensional array
        [None if c.buyer is None else _json(c.buyer) for c in completions],
        [_json(c.needs) for c in completions],
        [c.billed_to for c in completions],
    )
    return [Released(*row) for row in rows]
