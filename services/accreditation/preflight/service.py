"""The preflight's use case: the rules from ``rules.py``, each register's version in force
today asked of the ledger's repository (the rule set the ledger would judge by)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from services.kit.errors import RuleViolation

from ..ledger import repository as rule_sets
from ..ledger.rules import AMSTERDAM
from . import rules
from .schemas import PreflightIn, PreflightResult, PreflightWarning


async def preflight(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: PreflightIn
) -> PreflightResult:
    """Warnings for each register the members hold whose rules the facts break; nothing stored."""
    if errors := rules.input_errors(data):
        raise RuleViolation("The preflight's facts are not consistent.", errors=errors)
    today = datetime.now(AMSTERDAM).date()
    warnings: list[PreflightWarning] = []
    for code, held_by in rules.holders(data).items():
        found = await rule_sets.rule_set_on(conn, org_id, code, today)
        if found is None:
            warnings += rules.unknown_register(code, held_by)
        else:
            warnings += rules.register_warnings(data, code=code, rules=found.rules, held_by=held_by)
    return PreflightResult(warnings=warnings)
