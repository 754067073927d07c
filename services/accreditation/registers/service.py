"""The registers' use cases: each runs in the caller's transaction, rules from ``rules.py``,
SQL from ``repository.py``. Other domains ask :func:`known_code` which register a client's
spelling of a code names."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import Conflict, RuleViolation

from . import repository, rules
from .schemas import OrganisationRegisterIn, Register, RegisterList, RuleSet, RuleSetIn, RuleSetList


async def list_all(conn: asyncpg.Connection, org_id: uuid.UUID) -> RegisterList:
    return RegisterList(items=await repository.list_all(conn, org_id))


async def register(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> Register:
    """The register a client's spelling of a code names (`NOvA` is `NOVA`); 404 if none."""
    return await repository.get(conn, org_id, rules.normalise_code(code))


async def known_code(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> str:
    """The canonical code of the register a client's spelling names; 404 when the catalogue
    and the organisation know no such register."""
    return (await register(conn, org_id, code)).code


async def upsert(
    conn: asyncpg.Connection, org_id: uuid.UUID, code: str, data: OrganisationRegisterIn
) -> tuple[Register, bool]:
    """Define or rename one of the organisation's registers; whether it was created."""
    canonical = rules.normalise_code(code)
    if errors := rules.code_errors(canonical):
        raise RuleViolation("The register code is not a canonical code.", errors=errors)
    return await repository.upsert_organisation_register(conn, org_id, canonical, data)


async def rule_sets(conn: asyncpg.Connection, org_id: uuid.UUID, code: str) -> RuleSetList:
    register_code = await known_code(conn, org_id, code)
    return RuleSetList(items=await repository.rule_sets(conn, org_id, register_code))


async def add_rule_set(
    conn: asyncpg.Connection, org_id: uuid.UUID, code: str, data: RuleSetIn
) -> RuleSet:
    """The next version of an organisation register's rules (a catalogue register's: 409)."""
    found = await register(conn, org_id, code)
    if found.defined_by == "catalogue":
        raise Conflict(f"{found.code} is a catalogue register: its rules are Kring's data.")
    latest = await repository.latest_valid_from(conn, org_id, found.code)
    if errors := rules.rule_spec_errors(
        data.rules, valid_from=data.valid_from, latest_valid_from=latest
    ):
        raise RuleViolation("The rule set is not consistent.", errors=errors)
    return await repository.add_rule_set(conn, org_id, found.code, data)
