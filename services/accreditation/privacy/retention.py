"""Accreditation's evidence under the kit's retention framework (ADR 0091, ADR 0092): a ledger
entry names its person for the register's cycle and a margin after it (the tenant's
``evidence_margin_years``), then it is shredded as an erasure shreds it; the entry, its counts
and its hash stay, and the chain still verifies."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import asyncpg

from services.kit.privacy.retention import Due, Remove, Rule, Setting
from services.kit.settings import Settings

from ..config import checkpoint_signer
from ..ledger import checkpoints
from ..ledger.chain import Signer
from . import repository, rules, service

MARGIN = Setting(
    name="evidence_margin_years",
    unit="years",
    default=rules.DEFAULT_MARGIN_YEARS,
    minimum=1,
    maximum=10,
    description="Years a ledger entry keeps its person's name and registration number after"
    " the end of the register cycle it counts in; then they are shredded (the entry and its"
    " counts stay, and the chain verifies).",
    basis="a register audits a cycle's hours after the cycle ends: the cycle and at least a"
    " year after it",
)


def _remover(signer: Callable[[], Signer]) -> Remove:
    async def remove(conn: asyncpg.Connection, due: Due) -> int:
        """Shred at most ``due.limit`` entries of cycles that ended before the cutoff, under
        the chain lock (a version-1 entry's redaction is signed with the checkpoint key)."""
        head = await checkpoints.open_head(conn, due.org_id)
        rows = await repository.rows_due(
            conn, due.org_id, cycle_ended_before=due.cutoff.date(), limit=due.limit
        )
        return await service.shred(conn, head, rows, signer()) if rows else 0

    return remove


def evidence_rule(settings: Settings) -> Rule:
    """The rule, signing redactions with the service's checkpoint key (loaded when needed)."""
    return Rule(
        name="evidence",
        table="ledger_entries",
        setting=MARGIN,
        remove=_remover(cache(lambda: checkpoint_signer(settings))),
    )
