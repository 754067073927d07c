"""The registers' use cases: each runs in the caller's transaction, rules from ``rules.py``,
SQL from ``repository.py``. Other domains ask :func:`known_code` which register a client's
spelling of a code names."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from services.kit.errors import Conflict, FieldError, RuleViolation

from ..outcomes import repository as outcomes
from . import repository, rules
from .schemas import (
    OrganisationRegisterIn,
    Register,
    RegisterList,
    RuleSet,
    RuleSetIn,
    RuleSetList,
    RuleSpec,
)


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
    """The next version of a register's rules for the organisation.

    For an organisation's own register, any rules; for a catalogue register, an override of
    the figures the catalogue marks uncertain, with a reason, for this organisation alone.
    Nothing is stored when a version would start on or before the latest one (422), change a
    certain figure (422), or reach back over sessions already judged in the register (409)."""
    found = await register(conn, org_id, code)
    overrides = found.defined_by == "catalogue"
    if overrides and data.reason is None:
        raise Conflict(
            f"{found.code} is a catalogue register: its rules are Kring's data; an organisation "
            "may override its uncertain figures, with a reason.",
            errors=[_error("body.reason", "override_needs_reason", "say why you override")],
        )
    await repository.lock_rule_sets(conn, org_id, found.code)
    errors = rules.rule_spec_errors(
        data.rules,
        valid_from=data.valid_from,
        latest_valid_from=await repository.latest_valid_from(conn, org_id, found.code),
    )
    if overrides:
        errors += rules.override_errors(data.rules, await _catalogue_rules(conn, found.code, data))
    if errors:
        raise RuleViolation("The rule set is not consistent.", errors=errors)
    await _not_judged_since(conn, org_id, found.code, data.valid_from)
    return await repository.add_rule_set(conn, org_id, found.code, data, overrides=overrides)


def _error(field: str, rule: str, message: str) -> FieldError:
    return FieldError(field=field, rule=rule, message=message)


async def _catalogue_rules(conn: asyncpg.Connection, code: str, data: RuleSetIn) -> RuleSpec:
    catalogue = await repository.catalogue_rules_on(conn, code, data.valid_from)
    if catalogue is None:
        raise Conflict(f"The catalogue has no rules for {code} on {data.valid_from} to override.")
    return catalogue


async def _not_judged_since(
    conn: asyncpg.Connection, org_id: uuid.UUID, code: str, valid_from: date
) -> None:
    """A new version may not reach back over sessions judged by an older one (pending outcomes
    wait for data and will be judged by whichever version is in force then)."""
    judged = await outcomes.last_judged_session_date(conn, org_id, code)
    if judged is not None and judged >= valid_from:
        raise Conflict(
            f"Sessions up to {judged} are already judged in {code} under another version.",
            errors=[
                _error(
                    "body.valid_from",
                    "judged_under_other_version",
                    f"start after {judged}, the latest session already judged",
                )
            ],
        )
