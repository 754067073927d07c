"""The ledger's use cases: each runs in the caller's transaction, rules from ``rules.py``,
SQL from ``repository.py``; appends go through the chain's head (``checkpoints.py``).

Recording and reversing take the organisation and who records (an event records without a
caller); reading takes the principal, whose role decides what it may read. Every entry
appended is announced in its transaction (``events.py``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import asyncpg
import structlog

from services.kit.errors import Conflict, NotFound, RuleViolation
from services.kit.pagination import Keyset, page_of

from ..outcomes import rules as outcome_rules
from ..outcomes import service as outcomes
from ..policy import FACILITATED, POLICY
from ..principal import Principal
from ..privacy import repository as privacy
from ..privacy import rules as privacy_rules
from ..registers import service as registers
from ..registers.rules import normalise_code
from . import chain, checkpoints, events, export, repository, rules
from .schemas import (
    AttendanceList,
    AttendeeIn,
    ClosedSessionIn,
    CycleTotal,
    EntryPage,
    Judgement,
    LedgerEntry,
    Reason,
    RecordingResult,
    RegistrationIn,
    Totals,
)

log = structlog.get_logger("kring.accreditation.ledger")

COUNTED = ("minutes", "points_centi", "cycle_start", "cycle_end", "rule_set_id", "mode")
"""What a credit counts, and how the person took part: a correction that changes none of it
leaves the credit as it is."""


@dataclass
class Correction:
    """A session judged again from a corrected snapshot: a standing credit that no longer counts
    as it did is reversed (``reversals``, with ``reason``) before its correction is recorded."""

    reason: str
    reversals: list[LedgerEntry] = field(default_factory=list)


async def record_session(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: ClosedSessionIn,
    *,
    recorded_by: str,
    signer: chain.Signer,
    prejudged: Sequence[Judgement] = (),
    correction: Correction | None = None,
) -> RecordingResult:
    """Judge every attendee against every register they hold; append what counts (idempotent).

    Every judgement is stored as the session's outcomes, with ``prejudged`` (registrations
    refused before judging, absent from the snapshot). With a ``correction``, a standing credit
    is judged again too: reversed when it no longer counts as it did, and recorded anew when
    it counts otherwise. An attendee erased before the snapshot arrived is refused (rule
    `erased`) and kept in it nameless."""
    today = datetime.now(rules.AMSTERDAM).date()
    if errors := rules.snapshot_errors(session, today=today):
        raise RuleViolation("The session snapshot is not consistent.", errors=errors)
    head = await checkpoints.open_head(conn, org_id)
    erased = await privacy.erased_among(conn, org_id, [a.person_id for a in session.attendees])
    if erased:
        session = privacy_rules.forgotten(session, erased)
        prejudged = [*prejudged, *privacy_rules.refusals(session, erased)]
    start_seq = head.seq
    judgements = list(prejudged) + [
        await _judge_one(
            conn,
            org_id,
            session,
            attendee,
            registration,
            head=head,
            recorded_by=recorded_by,
            correction=correction,
        )
        for attendee in session.attendees
        if attendee.person_id not in erased
        for registration in attendee.registrations
    ]
    checkpoint = await checkpoints.sign(conn, head, signer) if head.seq > start_seq else None
    await outcomes.store(conn, org_id, session, judgements)
    counted = Counter(j.outcome for j in judgements)
    log.info(
        "session_recorded",
        session_id=str(session.session_id),
        recorded=counted["recorded"],
        refused=counted["refused"],
        pending=counted["pending"],
    )
    return RecordingResult(
        session_id=session.session_id, judgements=judgements, checkpoint=checkpoint
    )


async def _judge_one(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: ClosedSessionIn,
    attendee: AttendeeIn,
    registration: RegistrationIn,
    *,
    head: checkpoints.Head,
    recorded_by: str,
    correction: Correction | None = None,
) -> Judgement:
    code = normalise_code(registration.register)
    judged = partial(Judgement, person_id=attendee.person_id, register_code=code)
    rule_set = await repository.rule_set_on(conn, org_id, code, session.date)
    if rule_set is None:
        reason = Reason(
            rule="register", message=f"no rules of a register {code!r} for {session.date}"
        )
        return judged(outcome="refused", reasons=[reason])
    existing = await repository.latest_credit(
        conn,
        org_id,
        session_id=session.session_id,
        person_id=attendee.person_id,
        register_code=code,
    )
    standing = existing[0] if existing is not None and not existing[1] else None
    if standing is not None and correction is None:
        return judged(outcome="already_recorded", entry=standing)
    verdict = rules.judge(
        session,
        attendee,
        registration,
        register_code=code,
        rules=rule_set.rules,
        peers_registered=rules.peers_registered(session, code),
    )
    employer_id = attendee.employer_id
    if isinstance(verdict, rules.Refused):
        await _withdraw(conn, head, standing, correction, employer_id, recorded_by=recorded_by)
        return judged(
            outcome=outcome_rules.unjudged_status(verdict.reasons),
            reasons=list(verdict.reasons),
            rule_version=rule_set.version,
        )
    values = _credit(
        session,
        attendee,
        registration,
        verdict,
        rule_set=rule_set,
        revision=existing[0].revision + 1 if existing else 1,
        recorded_by=recorded_by,
    )
    if standing is not None and all(getattr(standing, c) == values[c] for c in COUNTED):
        return judged(outcome="already_recorded", entry=standing)
    await _withdraw(conn, head, standing, correction, employer_id, recorded_by=recorded_by)
    credit = await _append(conn, head, values, employer_id=employer_id)
    return judged(outcome="recorded", entry=credit)


async def _append(
    conn: asyncpg.Connection,
    head: checkpoints.Head,
    values: dict[str, Any],
    *,
    employer_id: uuid.UUID | None,
) -> LedgerEntry:
    """Append an entry and announce it, in one transaction."""
    entry = await head.append(conn, values)
    await events.announce(conn, head.org_id, entry, employer_id=employer_id)
    return entry


async def _withdraw(
    conn: asyncpg.Connection,
    head: checkpoints.Head,
    standing: LedgerEntry | None,
    correction: Correction | None,
    employer_id: uuid.UUID | None,
    *,
    recorded_by: str,
) -> None:
    """A correction reverses the standing credit it does not keep (without one: nothing)."""
    if standing is None or correction is None:
        return
    reversal = await _append_reversal(
        conn, head, standing, employer_id, reason=correction.reason, recorded_by=recorded_by
    )
    correction.reversals.append(reversal)


def _credit(
    session: ClosedSessionIn,
    attendee: AttendeeIn,
    registration: RegistrationIn,
    verdict: rules.Eligible,
    *,
    rule_set: repository.RuleSetRow,
    revision: int,
    recorded_by: str,
) -> dict[str, Any]:
    """A credit's columns from the snapshot and its verdict (the chain adds the rest)."""
    return {
        "kind": "credit",
        "session_id": session.session_id,
        "person_id": attendee.person_id,
        "register_code": normalise_code(registration.register),
        "revision": revision,
        "registration_number": registration.number,
        "person_name": attendee.name,
        "session_date": session.date,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "mode": rules.joined(session, attendee),
        "group_size": session.group_size,
        "method": session.method,
        "facilitator_name": session.facilitator.name,
        "facilitator_recognitions": list(session.facilitator.recognitions),
        "minutes": verdict.minutes,
        "points_centi": verdict.points_centi,
        "rule_set_id": rule_set.id,
        "rule_version": rule_set.version,
        "cycle_start": verdict.cycle_start,
        "cycle_end": verdict.cycle_end,
        "self_declared": rule_set.rules.self_declared,
        "reverses_id": None,
        "reason": None,
        "recorded_by": recorded_by,
    }


async def reverse(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    entry_id: uuid.UUID,
    *,
    reason: str,
    recorded_by: str,
    signer: chain.Signer,
) -> LedgerEntry:
    """Append a reversal of a credit; the credit itself stays as it was."""
    head = await checkpoints.open_head(conn, org_id)
    original = await repository.get(conn, org_id, entry_id)
    if original.kind != "credit":
        raise Conflict(f"Entry {entry_id} is a reversal; a reversal is not reversed.")
    if (done := await repository.reversal_of(conn, org_id, entry_id)) is not None:
        raise Conflict(f"Entry {entry_id} is already reversed by {done}.")
    employers = await outcomes.snapshot_employers(conn, org_id, original.session_id)
    stored = await _append_reversal(
        conn,
        head,
        original,
        employers.get(original.person_id),
        reason=reason,
        recorded_by=recorded_by,
    )
    await checkpoints.sign(conn, head, signer)
    return stored


async def reverse_session(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    *,
    reason: str,
    recorded_by: str,
    signer: chain.Signer,
) -> list[LedgerEntry]:
    """Reverse every credit of a session not reversed yet (a session held in error): the
    totals become what they were without it. One checkpoint when anything was appended."""
    head = await checkpoints.open_head(conn, org_id)
    live = await repository.live_session_credits(conn, org_id, session_id=session_id)
    employers = await outcomes.snapshot_employers(conn, org_id, session_id)
    reversals = [
        await _append_reversal(
            conn,
            head,
            credit,
            employers.get(credit.person_id),
            reason=reason,
            recorded_by=recorded_by,
        )
        for credit in live
    ]
    if reversals:
        await checkpoints.sign(conn, head, signer)
    log.info("session_reversed", session_id=str(session_id), reversed=len(reversals))
    return reversals


async def _append_reversal(
    conn: asyncpg.Connection,
    head: checkpoints.Head,
    original: LedgerEntry,
    employer_id: uuid.UUID | None,
    *,
    reason: str,
    recorded_by: str,
) -> LedgerEntry:
    values = {
        name: getattr(original, name)
        for name in chain.V1_COLUMNS
        if name not in {"org_id", "id", "seq", "recorded_at", "prev_hash"}
    }
    values.update(
        kind="reversal",
        minutes=-original.minutes,
        points_centi=-original.points_centi,
        reverses_id=original.id,
        reason=reason,
        recorded_by=recorded_by,
    )
    return await _append(conn, head, values, employer_id=employer_id)


async def entry(conn: asyncpg.Connection, org_id: uuid.UUID, entry_id: uuid.UUID) -> LedgerEntry:
    return await repository.get(conn, org_id, entry_id)


async def _person_register(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, code: str
) -> str:
    """The code of the register of a person's ledger the caller may read (404 otherwise)."""
    if not rules.may_read_person(principal, person_id):
        raise NotFound(f"No ledger of person {person_id}.")
    return await registers.known_code(conn, principal.org_id, code)


async def person_entries(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: uuid.UUID,
    code: str,
    asked: Keyset,
) -> EntryPage:
    """A person's entries in one register, in the order they were recorded, a page at a time."""
    register_code = await _person_register(conn, principal, person_id, code)
    items = await repository.person_page(
        conn, principal.org_id, asked, person_id=person_id, register_code=register_code
    )
    return page_of(EntryPage, items, asked.limit)


async def attendance_list(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID, code: str
) -> AttendanceList:
    """A session's credits in a register that stand, as a PE-online style attendance list; a
    facilitator's of its own sessions (another reads as a session without credits)."""
    org_id = principal.org_id
    register_code = await registers.known_code(conn, org_id, code)
    scope = POLICY.scope("getAttendanceList", principal)
    if scope == FACILITATED and not await outcomes.facilitated(conn, principal, session_id):
        return export.attendance_list(session_id, register_code, [])
    credits = await repository.session_credits(
        conn, org_id, session_id=session_id, register_code=register_code
    )
    return export.attendance_list(session_id, register_code, credits)


async def totals(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, code: str
) -> Totals:
    """Per cycle: minutes and points, the caps of the version in force at the cycle's end,
    and progress against that version's requirement; none for an erased person."""
    register_code = await _person_register(conn, principal, person_id, code)
    org_id = principal.org_id
    erased = await privacy.erased(conn, org_id, person_id)
    entries = (
        []
        if erased
        else await repository.person_entries(
            conn, org_id, person_id=person_id, register_code=register_code
        )
    )
    by_cycle: dict[tuple[date, date], list[LedgerEntry]] = {}
    for item in entries:
        by_cycle.setdefault((item.cycle_start, item.cycle_end), []).append(item)
    cycles: list[CycleTotal] = []
    unit = "hours"
    for (_, end), items in sorted(by_cycle.items()):
        rule_set = await repository.rule_set_on(conn, org_id, register_code, end)
        assert rule_set is not None
        unit = rule_set.rules.unit
        cycles.append(rules.cycle_total(items, rules=rule_set.rules, rule_version=rule_set.version))
    if not cycles:
        today = datetime.now(UTC).date()
        current = await repository.rule_set_on(conn, org_id, register_code, today)
        unit = current.rules.unit if current else "hours"
    return Totals(
        person_id=person_id,
        register_code=register_code,
        unit=unit,  # type: ignore[arg-type]
        cycles=cycles,
        erased=erased,
    )
