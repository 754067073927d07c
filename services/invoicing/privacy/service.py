"""A person's data in invoicing: their export, their erasure, and the removal of invoices
whose retention ended (the ``invoices`` rule of the retention job), on the caller's
connection. Rules from ``rules.py``, SQL from ``repository.py``.

An erasure is refused while an invoice of the person is not settled (a 409 naming each),
and nothing is erased then. Otherwise it erases, in one transaction, what the law does not
keep: the person's billing choice, their own debtors, and their name and debtor in cost
sheets and in closings waiting to be billed. Their issued invoices and credit notes are kept,
each stated in the answer with the legal reason and the last day it is kept; the retention
job removes them after that day, and then completes the erasure. Both announce
``subject.erased``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

from services.kit.db import transaction
from services.kit.errors import NotFound
from services.kit.privacy import processing_log, retention
from services.kit.subjects import (
    ErasureStatus,
    Rows,
    SubjectDocument,
    SubjectErasedData,
    SubjectErasure,
    check_own,
    erasure_status,
    export_body,
)

from .. import webhooks
from ..config import SERVICE
from ..debtors import repository as debtors
from ..invoices import repository as invoices
from ..principal import Principal
from . import repository, rules


async def check_may_export(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> None:
    """An admin exports anyone of the tenant; a participant only themselves (403). The export
    is written to the processing log, in the request's transaction."""
    admin = principal.has("admin")
    check_own(admin=admin, caller=principal.person, person_id=person_id)
    await processing_log.record_given(
        conn,
        principal,
        person_id,
        admin=admin,
        operation="exportSubject",
        role="admin" if admin else "participant",
    )


async def export(
    pool: asyncpg.Pool, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[bytes]:
    """Everything invoicing holds about the person, as the JSON of ``exportSubject``, read on
    a connection of its own (``pool``) and streamed: the invoices, credit notes and cost
    sheet shares from server-side cursors, never all in memory."""
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        records: dict[str, Rows] = {
            "invoices": invoices.of_person(conn, org_id, person_id, kind="invoice"),
            "credit_notes": invoices.of_person(conn, org_id, person_id, kind="credit_note"),
            "cost_sheet_shares": repository.cost_sheet_shares(conn, org_id, person_id),
            "billing_choices": await repository.billing_choices(conn, org_id, person_id),
            "debtors": await debtors.of_person(conn, org_id, person_id),
            "unbilled_attendance": await repository.unbilled_attendance(conn, org_id, person_id),
        }
        body = export_body(
            service=SERVICE,
            person_id=person_id,
            exported_at=datetime.now(UTC),
            records=records,
            documents=_documents(conn, org_id, person_id),
        )
        async for chunk in body:
            yield chunk


async def _documents(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[SubjectDocument]:
    """The PDF of each issued invoice and credit note, named by its number."""
    async for invoice_id, kind, number in repository.documents(conn, org_id, person_id):
        yield SubjectDocument(
            kind=f"{kind}_pdf", id=invoice_id, href=f"/v1/invoices/{invoice_id}/pdf", name=number
        )


async def erase(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> tuple[SubjectErasure, bool]:
    """Invoicing's part of the person's erasure; whether it was done now (``False``: the
    record of an earlier one). What it keeps is kept for the tenant's retention of invoices."""
    org_id = principal.org_id
    years = await retention._value(conn, org_id, INVOICES_YEARS)
    if (earlier := await repository.erasure(conn, org_id, person_id)) is not None:
        return await _answer(conn, org_id, person_id, earlier, years=years), False
    kept = await repository.kept(conn, org_id, person_id, lock=True)
    rules.check_erasable(kept)
    held = rules.held(kept, years)
    recorded = await repository.record_erasure(
        conn, org_id, person_id, by=principal.subject, complete=not held
    )
    if recorded is None:  # a concurrent erasure of the same person came first
        return await get_erasure(conn, principal, person_id), False
    await processing_log.record(
        conn,
        principal,
        operation="eraseSubject",
        grant="role admin",
        person_id=person_id,
        role="admin",
    )
    await repository.erase_relations(conn, org_id, person_id)
    await repository.erase_from_cost_sheets(conn, org_id, person_id)
    await repository.erase_from_closings(conn, org_id, person_id)
    status = erasure_status(held)
    await _announce(conn, org_id, person_id, status=status, held=[h.id for h in held])
    answer = SubjectErasure(
        person_id=person_id, status=status, erased_at=recorded.erased_at, held=held
    )
    return answer, True


async def get_erasure(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> SubjectErasure:
    """The record of the person's erasure in invoicing: what it still holds, until when."""
    erasure = await repository.erasure(conn, principal.org_id, person_id)
    if erasure is None:
        raise NotFound(f"No erasure of person {person_id}.")
    years = await retention._value(conn, principal.org_id, INVOICES_YEARS)
    return await _answer(conn, principal.org_id, person_id, erasure, years=years)


async def _answer(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    erasure: repository.Erasure,
    *,
    years: int,
) -> SubjectErasure:
    held = rules.held(await repository.kept(conn, org_id, person_id), years)
    return SubjectErasure(
        person_id=person_id, status=erasure_status(held), erased_at=erasure.erased_at, held=held
    )


async def remove_invoices(conn: asyncpg.Connection, due: retention.Due) -> int:
    """The retention job's ``invoices`` rule, for one tenant and one batch: remove at most
    ``due.limit`` invoices past their retention on ``due.as_of`` (``due.value`` years after
    the end of the year of issue, never fewer than the legal minimum), each with its credit
    note, lines and documents (rendered from the row, they go with it). The last batch (fewer
    than the limit) also removes the cost sheets left without an invoice, and completes the
    erasures nothing holds any more. Idempotent; concurrent runs skip each other's rows.

    The numbers' counters stay: no number removed is ever issued again, and later invoices
    number on from them. The numbers removed are named to the job, which announces them
    (``retention.applied``, as ranges: ``rules.number_ranges``)."""
    as_of = due.as_of.date()
    before = rules.cutoff(as_of, max(due.value, rules.LEGAL_MINIMUM_YEARS))
    await repository.allow_removal(conn, as_of)
    removed = await repository.remove_due(conn, due.org_id, before=before, limit=due.limit)
    due.named.extend(r.number for r in removed if r.number is not None)
    if sum(1 for r in removed if r.kind == "invoice") < due.limit:
        await repository.remove_abandoned_sheets(conn, due.org_id, before=before)
        for person_id in await repository.complete_erasures(conn, due.org_id):
            await _announce(conn, due.org_id, person_id, status="erased", held=[])
    return len(removed)


INVOICES_YEARS = retention.Setting(
    name="invoices_years",
    unit="years_after_year_end",
    default=rules.LEGAL_MINIMUM_YEARS,
    minimum=rules.LEGAL_MINIMUM_YEARS,
    maximum=100,
    description="Years after the end of the year of issue that invoices and credit notes are "
    "kept, then removed; a person's erasure holds them until then.",
    basis="AWR art. 52(4): seven years; GDPR art. 17(3)(b) exempts them from erasure.",
)
INVOICES = retention.Rule(
    name="invoices",
    table="invoices",
    remove=remove_invoices,
    setting=INVOICES_YEARS,
    summarise=rules.number_ranges,
)
"""Invoicing's retention rule, registered with the kit's retention job."""


async def _announce(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    status: ErasureStatus,
    held: list[uuid.UUID],
) -> None:
    data = SubjectErasedData(person_id=person_id, status=status, held=held)
    await webhooks.emit(conn, org_id, data, aggregate_id=person_id)
