"""A cycle's credentials, on the caller's transaction: the session credentials of its standing
credits and its period statement, which states them (and the countersigned reflection
statements) with the cycle's totals, caps applied.

A period statement follows what it states: when a credit of it is reversed
(:func:`follow_reversals`, from the ledger's checkpoint) or a reflection statement of the cycle
is countersigned (:func:`restate`), it is revoked and issued again in the same transaction.
Issuing takes the organisation's chain lock first, as appending does, so a reversal never
commits between reading a cycle's credits and issuing what states them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from services.kit.errors import Conflict, FieldError

from ..ledger import repository as ledger
from ..ledger import rules as ledger_rules
from ..ledger.chain import Signer
from ..ledger.schemas import LedgerEntry
from ..outcomes import service as outcomes
from ..principal import Principal
from ..reflections import repository as reflections
from ..registers import service as registers
from . import issuing, repository, rules, vc
from .repository import Row
from .schemas import CycleCredentials, CycleCredentialsIn, CycleItem, ItemError

MAX_PEOPLE = 100


def _item(row: Row, created: bool) -> CycleItem:
    return CycleItem(
        kind=row.kind,
        person_id=row.person_id,
        entry_id=row.entry_id,
        status="issued" if created else "already_issued",
        credential_id=row.id,
    )


def _refused(person_id: uuid.UUID, error: FieldError) -> CycleItem:
    return CycleItem(
        kind="period",
        person_id=person_id,
        status="refused",
        errors=[ItemError(rule=error.rule, message=error.message)],
    )


async def issue_cycle(
    conn: asyncpg.Connection,
    principal: Principal,
    code: str,
    data: CycleCredentialsIn,
    *,
    base_url: str,
    signer: Signer,
) -> CycleCredentials:
    """Each person's session credentials and period statement of their cycle holding ``on``,
    an item per credential: issued now, issued before (the same id), or refused with its rule."""
    org_id = principal.org_id
    register_code = await registers.known_code(conn, org_id, code)
    people = rules.people_of(principal, data.person_ids)
    await ledger.lock_chain(conn, org_id)  # no reversal commits between reading and issuing
    if people is None:
        people = await ledger.people_in_cycle(
            conn, org_id, register_code=register_code, day=data.on, limit=MAX_PEOPLE
        )
    items: list[CycleItem] = []
    for person_id in people:
        items += await _state_cycle(
            conn, org_id, person_id, register_code, data.on, base_url=base_url, signer=signer
        )
    return CycleCredentials(register_code=register_code, on=data.on, items=items)


async def _state_cycle(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    code: str,
    day: date,
    *,
    base_url: str,
    signer: Signer,
    replaces: Row | None = None,
) -> list[CycleItem]:
    """The session credentials of the cycle's standing credits, and its period statement: the
    standing one when it states the same, else a new one in its place (or ``replaces``')."""
    entries = await ledger.person_entries(conn, org_id, person_id=person_id, register_code=code)
    if (cycle := rules.cycle_on(entries, day)) is None:
        return [_refused(person_id, rules.no_cycle(day))]
    in_cycle = [e for e in entries if (e.cycle_start, e.cycle_end) == cycle]
    live = rules.live_credits(in_cycle)
    items: list[CycleItem] = []
    stated: list[vc.Stated] = []
    for entry in live:
        row, created = await issuing.session_credential(
            conn, org_id, entry, base_url=base_url, signer=signer
        )
        items.append(_item(row, created))
        stated.append(vc.Stated(vc.Issuer(row.base_url, org_id).credential_url(row.id), entry))
    signed = await reflections.countersigned(
        conn, org_id, person_id=person_id, register_code=code, cycle_start=cycle[0]
    )
    if not live and not signed:
        return [*items, _refused(person_id, rules.nothing_to_state())]
    standing = await repository.standing_statement(
        conn, org_id, person_id=person_id, register_code=code, cycle_start=cycle[0]
    )
    if standing is not None:
        if set(standing.entry_ids) == {e.id for e in live} and set(standing.reflection_ids) == {
            r.id for r in signed
        }:
            return [*items, _item(standing, False)]
        await issuing.revoke(
            conn, org_id, standing, reason="superseded: the cycle's statement changed"
        )
    previous = standing or replaces
    statement = _Statement(in_cycle, stated, signed, replaces=previous)
    row = await _period(
        conn,
        org_id,
        statement,
        base_url=previous.base_url if previous else base_url,
        signer=signer,
    )
    return [*items, _item(row, True)]


class _Statement:
    """What a period statement states: the cycle's entries, its session credentials and its
    countersigned reflection statements."""

    def __init__(
        self,
        entries: list[LedgerEntry],
        stated: list[vc.Stated],
        signed: list[reflections.Row],
        *,
        replaces: Row | None,
    ) -> None:
        self.entries, self.stated, self.signed, self.replaces = entries, stated, signed, replaces
        self.latest = entries[-1]

    def reflections(self) -> list[vc.Reflection]:
        return [
            vc.Reflection(
                id=r.id,
                supervisor_name=r.supervisor_name,
                recognition_register=r.recognition_register or "",
                recognition_number=r.recognition_number or "",
                countersigned_at=r.countersigned_at or r.requested_at,
            )
            for r in self.signed
        ]


async def _period(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    statement: _Statement,
    *,
    base_url: str,
    signer: Signer,
) -> Row:
    """Issue the period statement: the cycle's totals by the rules in force on its last day."""
    latest = statement.latest
    rule_set = await ledger.rule_set_on(conn, org_id, latest.register_code, latest.cycle_end)
    assert rule_set is not None, "an entry's register has rules on its cycle's last day"
    total = ledger_rules.cycle_total(
        statement.entries, rules=rule_set.rules, rule_version=rule_set.version
    )
    employers = await outcomes.snapshot_employers(conn, org_id, latest.session_id)
    values = {
        "kind": "period",
        "person_id": latest.person_id,
        "employer_id": employers.get(latest.person_id),
        "register_code": latest.register_code,
        "cycle_start": latest.cycle_start,
        "cycle_end": latest.cycle_end,
        "entry_id": None,
        "entry_ids": [s.entry.id for s in statement.stated],
        "reflection_ids": [r.id for r in statement.signed],
        "replaces_id": statement.replaces.id if statement.replaces else None,
    }

    def build(issue: vc.Issue) -> dict[str, Any]:
        return vc.period_statement(
            issue,
            person_name=latest.person_name,
            registration_number=latest.registration_number,
            total=total,
            register_code=latest.register_code,
            unit=rule_set.rules.unit,
            sessions=statement.stated,
            reflections=statement.reflections(),
        )

    row = await issuing.store(conn, org_id, values, build, base_url=base_url, signer=signer)
    if row is None:
        raise Conflict("The period statement was issued concurrently; retry the request.")
    return row


async def follow_reversals(
    conn: asyncpg.Connection, org_id: uuid.UUID, reversals: Sequence[LedgerEntry], *, signer: Signer
) -> None:
    """Revoke every credential that states a reversed credit, then issue each revoked period
    statement again with what still stands (in the transaction that reversed them)."""
    restate: dict[tuple[uuid.UUID, str, date], Row] = {}
    for reversal in reversals:
        assert reversal.reverses_id is not None
        reason = f"credit reversed: {reversal.reason}"
        for row in await repository.revoke_containing(
            conn, org_id, reversal.reverses_id, reason=reason
        ):
            await issuing.announce_revoked(conn, org_id, row)
            if row.kind == "period":
                restate[row.person_id, row.register_code, row.cycle_start] = row
    for (person_id, code, cycle_start), row in restate.items():
        await _state_cycle(
            conn,
            org_id,
            person_id,
            code,
            cycle_start,
            base_url=row.base_url,
            signer=signer,
            replaces=row,
        )


async def restate(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_id: uuid.UUID,
    register_code: str,
    cycle_start: date,
    signer: Signer,
) -> None:
    """A standing period statement of the cycle issued again when what it states changed."""
    await ledger.lock_chain(conn, org_id)
    standing = await repository.standing_statement(
        conn, org_id, person_id=person_id, register_code=register_code, cycle_start=cycle_start
    )
    if standing is not None:
        await _state_cycle(
            conn,
            org_id,
            person_id,
            register_code,
            cycle_start,
            base_url=standing.base_url,
            signer=signer,
        )
