"""The cost sheets' event: ``cost_sheet.needs_debtor``, written with the drafts it announces."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from .. import webhooks
from ..invoices.rules import Draft
from .schemas import CostSheet, CostSheetNeedsDebtorData, HeldDraft


def needs_debtor(
    sheet: CostSheet, drafts: Sequence[Draft], ids: Sequence[uuid.UUID]
) -> CostSheetNeedsDebtorData | None:
    """The event of a sheet's drafts (``ids`` in their order) that wait for a debtor; ``None``
    when none waits."""
    held = [
        HeldDraft(
            invoice_id=invoice_id,
            person_id=draft.person_id,
            client_organisation_id=draft.client_organisation_id,
            billed_to=draft.billed_to,
            needs=needs,
        )
        for invoice_id, draft in zip(ids, drafts, strict=True)
        if (needs := draft.needs)
    ]
    if not held:
        return None
    return CostSheetNeedsDebtorData(
        cost_sheet_id=sheet.id,
        session_id=sheet.session_id,
        facilitator_id=sheet.facilitator_id,
        held=held,
    )


async def announce_held(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    sheet: CostSheet,
    drafts: Sequence[Draft],
    ids: Sequence[uuid.UUID],
) -> None:
    """Announce the sheet's held drafts, if any, in the transaction that made them."""
    if data := needs_debtor(sheet, drafts, ids):
        await webhooks.emit(conn, org_id, data, aggregate_id=sheet.id)
