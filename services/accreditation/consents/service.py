"""Consent use cases: only the person themself grants or revokes, in the caller's transaction."""

from __future__ import annotations

import asyncpg

from ..principal import Principal
from ..registers import service as registers
from ..registers.rules import normalise_code
from . import repository, rules
from .schemas import Consent, ConsentList


async def list_own(conn: asyncpg.Connection, principal: Principal) -> ConsentList:
    person = rules.consenting_person(principal)
    return ConsentList(items=await repository.list_for(conn, principal.org_id, person))


async def grant(conn: asyncpg.Connection, principal: Principal, code: str) -> tuple[Consent, bool]:
    """Grant consent to a known register (again); whether a grant was made now."""
    person = rules.consenting_person(principal)
    register_code = await registers.known_code(conn, principal.org_id, code)
    return await repository.grant(conn, principal.org_id, person, register_code)


async def revoke(conn: asyncpg.Connection, principal: Principal, code: str) -> Consent:
    person = rules.consenting_person(principal)
    return await repository.revoke(conn, principal.org_id, person, normalise_code(code))
