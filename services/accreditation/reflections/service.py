"""The reflection statements' use cases, each on the caller's transaction: request one for a
cycle, read them, countersign one. A countersigned statement is evidence on the cycle's period
statement: a standing one is issued again with it (``credentials.statements.restate``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg

from services.kit.errors import NotFound, RuleViolation
from services.kit.ids import uuid7
from services.kit.pagination import Keyset, page_of

from ..credentials import rules as credential_rules
from ..credentials import statements as credentials
from ..ledger import repository as ledger
from ..ledger.chain import Signer
from ..ledger.rules import AMSTERDAM
from ..principal import Principal
from ..registers import service as registers
from ..registers.rules import normalise_code
from . import repository, rules
from .repository import Row
from .schemas import (
    CountersignatureIn,
    Recognition,
    ReflectionRequestIn,
    ReflectionStatement,
    ReflectionStatementPage,
)


def _today() -> datetime:
    return datetime.now(UTC)


async def _out(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    row: Row,
    known: dict[tuple[str, date], list[str] | None] | None = None,
) -> ReflectionStatement:
    """The statement as answered, with the bodies its register accepts (on the day it was
    countersigned, else today); ``known`` keeps those already read for a page."""
    day = (row.countersigned_at or _today()).astimezone(AMSTERDAM).date()
    known = {} if known is None else known
    if (row.register_code, day) not in known:
        known[row.register_code, day] = await repository.accepted_on(
            conn, org_id, row.register_code, day
        )
    accepted = known[row.register_code, day]
    recognition = (
        Recognition(register=row.recognition_register, number=row.recognition_number)
        if row.recognition_register and row.recognition_number
        else None
    )
    return ReflectionStatement(
        id=row.id,
        person_id=row.person_id,
        person_name=row.person_name,
        register_code=row.register_code,
        cycle_start=row.cycle_start,
        cycle_end=row.cycle_end,
        supervisor_id=row.supervisor_id,
        supervisor_name=row.supervisor_name,
        status=row.status,
        requested_at=row.requested_at,
        countersigned_at=row.countersigned_at,
        recognition=recognition,
        accepted_recognitions=accepted or [],
    )


async def request(
    conn: asyncpg.Connection, principal: Principal, data: ReflectionRequestIn
) -> ReflectionStatement:
    """Ask a supervisor to countersign the reflection of the person's cycle holding ``on``."""
    org_id = principal.org_id
    person_id = credential_rules.subject_of(principal, data.person_id)
    code = await registers.known_code(conn, org_id, data.register)
    now = _today()
    accepted = await repository.accepted_on(conn, org_id, code, now.astimezone(AMSTERDAM).date())
    rules.check_request(
        person_id=person_id, supervisor_id=data.supervisor_id, accepted=accepted, code=code
    )
    entries = await ledger.person_entries(conn, org_id, person_id=person_id, register_code=code)
    cycle = credential_rules.cycle_on(entries, data.on)
    if cycle is None:
        raise RuleViolation(
            "The person has no cycle in the register on that day.",
            errors=[credential_rules.no_cycle(data.on)],
        )
    latest = [e for e in entries if (e.cycle_start, e.cycle_end) == cycle][-1]
    row = await repository.insert(
        conn,
        org_id,
        {
            "id": uuid7(),
            "person_id": person_id,
            "person_name": latest.person_name,
            "register_code": code,
            "cycle_start": cycle[0],
            "cycle_end": cycle[1],
            "supervisor_id": data.supervisor_id,
            "supervisor_name": data.supervisor_name,
            "requested_at": now,
            "requested_by": principal.subject,
            "status": "requested",
            "countersigned_at": None,
            "countersigned_by": None,
            "recognition_register": None,
            "recognition_number": None,
        },
    )
    return await _out(conn, org_id, row)


async def _readable(conn: asyncpg.Connection, principal: Principal, statement_id: uuid.UUID) -> Row:
    row = await repository.get(conn, principal.org_id, statement_id)
    if row is None or not rules.may_read(
        principal, person_id=row.person_id, supervisor_id=row.supervisor_id
    ):
        raise NotFound(f"No reflection statement {statement_id}.")
    return row


async def get(
    conn: asyncpg.Connection, principal: Principal, statement_id: uuid.UUID
) -> ReflectionStatement:
    return await _out(conn, principal.org_id, await _readable(conn, principal, statement_id))


async def page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset
) -> ReflectionStatementPage:
    """An admin's every statement; anyone else's those they asked for or are asked to sign."""
    if not principal.has("admin") and principal.person is None:
        raise NotFound("No reflection statements of this caller.")
    involving = None if principal.has("admin") else principal.person
    rows = await repository.page(conn, principal.org_id, asked, involving=involving)
    known: dict[tuple[str, date], list[str] | None] = {}
    items = [await _out(conn, principal.org_id, row, known) for row in rows]
    return page_of(ReflectionStatementPage, items, asked.limit)


async def countersign(
    conn: asyncpg.Connection,
    principal: Principal,
    statement_id: uuid.UUID,
    data: CountersignatureIn,
    *,
    signer: Signer,
) -> ReflectionStatement:
    """The named supervisor signs under a recognition the register accepts; a standing period
    statement of the cycle is issued again with the statement as evidence."""
    org_id = principal.org_id
    row = await _readable(conn, principal, statement_id)
    rules.check_countersigner(
        principal, supervisor_id=row.supervisor_id, countersigned=row.status == "countersigned"
    )
    day = _today().astimezone(AMSTERDAM).date()
    accepted = await repository.accepted_on(conn, org_id, row.register_code, day) or []
    rules.check_recognition(
        data.recognition.register,
        data.recognition.number,
        accepted=accepted,
        code=row.register_code,
    )
    signed = await repository.countersign(
        conn,
        org_id,
        statement_id,
        by=principal.subject,
        register=normalise_code(data.recognition.register),
        number=data.recognition.number,
    )
    await credentials.restate(
        conn,
        org_id,
        person_id=signed.person_id,
        register_code=signed.register_code,
        cycle_start=signed.cycle_start,
        signer=signer,
    )
    return await _out(conn, org_id, signed)
