"""The ledger's events, written with the entry they announce (outbox): a credit appended is
``ledger.entry_recorded``, a reversal ``ledger.entry_reversed``. Their aggregate is the person,
so a subscriber receives one person's entries in the order the chain holds them."""

from __future__ import annotations

import uuid

import asyncpg

from .. import webhooks
from .schemas import EntryEventData, EntryRecordedData, EntryReversedData, LedgerEntry

_SAME = frozenset(EntryEventData.__struct_fields__) & frozenset(LedgerEntry.__struct_fields__)


def entry_event(
    entry: LedgerEntry, *, employer_id: uuid.UUID | None
) -> EntryRecordedData | EntryReversedData:
    """``entry`` as its event states it: ids, numbers and counts, never a name."""
    same = {name: getattr(entry, name) for name in _SAME}
    if entry.kind == "credit":
        return EntryRecordedData(**same, entry_id=entry.id, employer_id=employer_id)
    assert entry.reverses_id is not None and entry.reason is not None
    return EntryReversedData(
        **same,
        entry_id=entry.id,
        employer_id=employer_id,
        reverses_id=entry.reverses_id,
        reason=entry.reason,
    )


async def announce(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    entry: LedgerEntry,
    *,
    employer_id: uuid.UUID | None,
) -> None:
    await webhooks.emit(
        conn, org_id, entry_event(entry, employer_id=employer_id), aggregate_id=entry.person_id
    )
