"""A registration body's reads of the ledger (and an admin's of a whole register): its
registrants' entries and the register's exports, each written to the processing log.
Use cases on the caller's transaction, as in :mod:`.service`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, page_of
from services.kit.privacy import processing_log
from services.kit.request_context import current_request_id

from ..principal import Principal
from ..registers import service as registers
from . import export, repository, rules
from .schemas import EntryPage, LedgerEntry


async def registrar_entries(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    registration_number: str | None,
    from_date: date | None,
    to_date: date | None,
) -> EntryPage:
    """The entries of the token's register, of registrants who consented, for a period; each
    registrant shown is written to the processing log (in the query's own round trip)."""
    register_code = rules.registrar_register(principal)
    rules.refuse_bsn(registration_number, register_code, field="query.registration_number")
    numbers = export.spellings(register_code, registration_number) if registration_number else None
    items = await repository.registrar_page(
        conn,
        principal.org_id,
        register_code=register_code,
        registration_numbers=numbers,
        from_date=from_date,
        to_date=to_date,
        asked=asked,
        reader=principal.subject,
        request_id=current_request_id(),
    )
    return page_of(EntryPage, items, asked.limit)


async def register_export(
    conn: asyncpg.Connection,
    principal: Principal,
    code: str,
    *,
    pool: asyncpg.Pool,
    from_date: date | None,
    to_date: date | None,
    operation: str,
) -> AsyncIterator[LedgerEntry]:
    """A register's entries the caller may export, streamed from a connection of their own
    (``pool``): an admin's every entry, a registration body's of registrants who consented.
    The bulk export is written to the processing log (``operation``, the register)."""
    register_code = await registers.known_code(conn, principal.org_id, code)
    everything = principal.has("admin")
    if not everything and rules.registrar_register(principal) != register_code:
        raise NotFound(f"No register {code!r} for this registration body.")
    grant = "role admin" if everything else f"role registrar of register {register_code}"
    await processing_log.record(
        conn, principal, operation=operation, scope=register_code, grant=grant
    )
    return repository.stream_register(
        pool,
        principal.org_id,
        register_code=register_code,
        from_date=from_date,
        to_date=to_date,
        consented_only=not everything,
    )
