"""The ledger's use cases: each runs in the caller's transaction, rules from ``rules.py``,
SQL from ``repository.py``, hashing and signing from ``chain.py``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from services.kit.errors import Conflict, RuleViolation
from services.kit.ids import uuid7

from ..registers.rules import normalise_code
from . import chain, repository, rules
from .schemas import (
    AttendeeIn,
    ChainProblem,
    Checkpoint,
    ClosedSessionIn,
    CycleCap,
    CycleTotal,
    Judgement,
    LedgerEntry,
    Reason,
    RecordingResult,
    RegistrationIn,
    Totals,
    Verification,
)

log = structlog.get_logger("kring.accreditation.ledger")


class _Chain:
    """The organisation's chain head while a transaction appends to it (under the chain lock)."""

    def __init__(self, org_id: uuid.UUID, head: tuple[int, str] | None) -> None:
        self.org_id = org_id
        self.seq, self.hash = head or (0, chain.GENESIS)

    async def append(self, conn: asyncpg.Connection, values: dict[str, Any]) -> LedgerEntry:
        values = {
            **values,
            "org_id": self.org_id,
            "id": uuid7(),
            "seq": self.seq + 1,
            "recorded_at": datetime.now(UTC),
            "prev_hash": self.hash,
        }
        values["hash"] = chain.entry_hash(values)
        stored = await repository.insert(conn, values)
        self.seq, self.hash = stored.seq, stored.hash
        return stored


async def _open_chain(conn: asyncpg.Connection, org_id: uuid.UUID) -> _Chain:
    await repository.lock_chain(conn, org_id)
    return _Chain(org_id, await repository.head(conn, org_id))


async def _judge_one(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: ClosedSessionIn,
    attendee: AttendeeIn,
    registration: RegistrationIn,
    *,
    head: _Chain,
    recorded_by: str,
) -> Judgement:
    code = normalise_code(registration.register)

    def refused(*reasons: Reason) -> Judgement:
        return Judgement(
            person_id=attendee.person_id,
            register_code=code,
            outcome="refused",
            reasons=list(reasons),
        )

    rule_set = await repository.rule_set_on(conn, org_id, code, session.date)
    if rule_set is None:
        return refused(
            Reason(rule="register", message=f"no rules of a register {code!r} for {session.date}")
        )
    existing = await repository.latest_credit(
        conn,
        org_id,
        session_id=session.session_id,
        person_id=attendee.person_id,
        register_code=code,
    )
    if existing is not None and not existing[1]:
        return Judgement(
            person_id=attendee.person_id,
            register_code=code,
            outcome="already_recorded",
            entry=existing[0],
        )
    verdict = rules.judge(
        session,
        attendee,
        registration,
        register_code=code,
        rules=rule_set.rules,
        peers_registered=rules.peers_registered(session, code),
    )
    if isinstance(verdict, rules.Refused):
        return refused(*verdict.reasons)
    stored = await head.append(
        conn,
        {
            "kind": "credit",
            "session_id": session.session_id,
            "person_id": attendee.person_id,
            "register_code": code,
            "revision": existing[0].revision + 1 if existing else 1,
            "registration_number": registration.number,
            "person_name": attendee.name,
            "session_date": session.date,
            "started_at": session.started_at,
            "ended_at": session.ended_at,
            "mode": session.mode,
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
        },
    )
    return Judgement(
        person_id=attendee.person_id, register_code=code, outcome="recorded", entry=stored
    )


async def record_session(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: ClosedSessionIn,
    *,
    recorded_by: str,
    signer: chain.Signer,
) -> RecordingResult:
    """Judge every attendee against every register they hold; append what counts (idempotent)."""
    today = datetime.now(rules.AMSTERDAM).date()
    if errors := rules.snapshot_errors(session, today=today):
        raise RuleViolation("The session snapshot is not consistent.", errors=errors)
    head = await _open_chain(conn, org_id)
    start_seq = head.seq
    judgements = [
        await _judge_one(
            conn, org_id, session, attendee, registration, head=head, recorded_by=recorded_by
        )
        for attendee in session.attendees
        for registration in attendee.registrations
    ]
    checkpoint = await _checkpoint(conn, head, signer) if head.seq > start_seq else None
    log.info(
        "session_recorded",
        session_id=str(session.session_id),
        recorded=sum(1 for j in judgements if j.outcome == "recorded"),
        refused=sum(1 for j in judgements if j.outcome == "refused"),
    )
    return RecordingResult(
        session_id=session.session_id, judgements=judgements, checkpoint=checkpoint
    )


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
    head = await _open_chain(conn, org_id)
    original = await repository.get(conn, org_id, entry_id)
    if original.kind != "credit":
        raise Conflict(f"Entry {entry_id} is a reversal; a reversal is not reversed.")
    if (done := await repository.reversal_of(conn, org_id, entry_id)) is not None:
        raise Conflict(f"Entry {entry_id} is already reversed by {done}.")
    stored = await _append_reversal(conn, head, original, reason=reason, recorded_by=recorded_by)
    await _checkpoint(conn, head, signer)
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
    head = await _open_chain(conn, org_id)
    live = await repository.live_session_credits(conn, org_id, session_id=session_id)
    reversals = [
        await _append_reversal(conn, head, credit, reason=reason, recorded_by=recorded_by)
        for credit in live
    ]
    if reversals:
        await _checkpoint(conn, head, signer)
    log.info("session_reversed", session_id=str(session_id), reversed=len(reversals))
    return reversals


async def _append_reversal(
    conn: asyncpg.Connection,
    head: _Chain,
    original: LedgerEntry,
    *,
    reason: str,
    recorded_by: str,
) -> LedgerEntry:
    values = {
        name: getattr(original, name)
        for name in repository.ENTRY_COLUMNS
        if name not in {"org_id", "id", "seq", "recorded_at", "prev_hash", "hash"}
    }
    values.update(
        kind="reversal",
        minutes=-original.minutes,
        points_centi=-original.points_centi,
        reverses_id=original.id,
        reason=reason,
        recorded_by=recorded_by,
    )
    return await head.append(conn, values)


# --- checkpoints and verification -----------------------------------------------------------


def _checkpoint_out(org_id: uuid.UUID, row: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        **row,
        message=chain.checkpoint_message(
            org_id=org_id, seq=row["seq"], head_hash=row["head_hash"], signed_at=row["signed_at"]
        ),
    )


async def _checkpoint(conn: asyncpg.Connection, head: _Chain, signer: chain.Signer) -> Checkpoint:
    signed_at = datetime.now(UTC)
    message = chain.checkpoint_message(
        org_id=head.org_id, seq=head.seq, head_hash=head.hash, signed_at=signed_at
    )
    row = await repository.insert_checkpoint(
        conn,
        head.org_id,
        {
            "id": uuid7(),
            "seq": head.seq,
            "head_hash": head.hash,
            "signed_at": signed_at,
            "key_id": signer.key_id,
            "public_key": signer.public_key,
            "signature": signer.sign(message),
        },
    )
    return _checkpoint_out(head.org_id, row)


async def checkpoint(
    conn: asyncpg.Connection, org_id: uuid.UUID, signer: chain.Signer
) -> Checkpoint:
    """Sign the chain's head now."""
    head = await _open_chain(conn, org_id)
    if head.seq == 0:
        raise Conflict("The ledger holds no entries yet: there is no head to sign.")
    return await _checkpoint(conn, head, signer)


async def checkpoint_page(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> list[Checkpoint]:
    rows = await repository.checkpoint_page(conn, org_id, after=after, limit=limit)
    return [_checkpoint_out(org_id, row) for row in rows]


def _problem(found: chain.Found) -> ChainProblem:
    return ChainProblem(
        rule=found.rule,  # type: ignore[arg-type]
        seq=found.seq,
        entry_id=found.entry_id,
        checkpoint_id=found.checkpoint_id,
        message=found.message,
    )


async def verify(conn: asyncpg.Connection, org_id: uuid.UUID, signer: chain.Signer) -> Verification:
    """Recompute the chain entry by entry and hold it against every signed checkpoint."""
    checkpoints = await repository.all_checkpoints(conn, org_id)
    wanted = {int(cp["seq"]) for cp in checkpoints}
    hashes: dict[int, tuple[str, uuid.UUID]] = {}
    walk = chain.Walk(problems=[])
    async for row in repository.walk(conn, org_id):
        walk.step(row, hashes, wanted)
    for found in chain.check_checkpoints(
        checkpoints, org_id=org_id, hashes=hashes, head_seq=walk.head_seq, trusted=signer.trusted()
    ):
        walk.note(found)
    problems = sorted(
        walk.problems, key=lambda p: (p.seq if p.seq is not None else 0, p.entry_id is None)
    )
    failing = [p for p in problems if p.rule != "checkpoint_unknown_key"]
    with_entry = [p for p in failing if p.entry_id is not None]
    return Verification(
        valid=not failing,
        entries_checked=walk.checked,
        checkpoints_checked=len(checkpoints),
        head_seq=walk.head_seq,
        head_hash=walk.head_hash,
        first_bad_entry=_problem(with_entry[0]) if with_entry else None,
        problems=[_problem(p) for p in problems],
    )


# --- totals ---------------------------------------------------------------------------------


async def totals(
    conn: asyncpg.Connection, org_id: uuid.UUID, *, person_id: uuid.UUID, register_code: str
) -> Totals:
    """Per cycle: minutes and points, the caps of the version in force at the cycle's end,
    and progress against that version's requirement."""
    entries = await repository.person_entries(
        conn, org_id, person_id=person_id, register_code=register_code
    )
    by_cycle: dict[tuple[Any, Any], list[LedgerEntry]] = {}
    for item in entries:
        by_cycle.setdefault((item.cycle_start, item.cycle_end), []).append(item)
    cycles: list[CycleTotal] = []
    unit = "hours"
    for (start, end), items in sorted(by_cycle.items()):
        rule_set = await repository.rule_set_on(conn, org_id, register_code, end)
        assert rule_set is not None
        spec = rule_set.rules
        unit = spec.unit
        capped = rules.apply_caps(
            ((e.session_date, e.points_centi) for e in items),
            cap_per_year_centi=spec.cap_per_year_centi,
            cap_per_cycle_centi=spec.cap_per_cycle_centi,
        )
        minutes = sum(e.minutes for e in items)
        missing_minutes = rules.missing(spec.required_minutes_per_cycle, minutes)
        missing_points = rules.missing(spec.required_points_centi_per_cycle, capped.counted_centi)
        requirements = [m for m in (missing_minutes, missing_points) if m is not None]
        cycles.append(
            CycleTotal(
                cycle_start=start,
                cycle_end=end,
                rule_version=rule_set.version,
                # A reversal takes its credit out of the count, as out of the minutes.
                entries=sum(1 if e.kind == "credit" else -1 for e in items),
                minutes=minutes,
                points_centi_raw=capped.raw_centi,
                points_centi=capped.counted_centi,
                caps=[
                    CycleCap(
                        rule=c.rule,  # type: ignore[arg-type]
                        year=c.year,
                        before_centi=c.before_centi,
                        after_centi=c.after_centi,
                        message=c.message,
                    )
                    for c in capped.caps
                ],
                required_minutes=spec.required_minutes_per_cycle,
                required_points_centi=spec.required_points_centi_per_cycle,
                minutes_missing=missing_minutes,
                points_centi_missing=missing_points,
                complete=all(m == 0 for m in requirements) if requirements else None,
            )
        )
    if not cycles:
        current = await repository.rule_set_on(
            conn, org_id, register_code, datetime.now(UTC).date()
        )
        unit = current.rules.unit if current else "hours"
    return Totals(
        person_id=person_id,
        register_code=register_code,
        unit=unit,  # type: ignore[arg-type]
        cycles=cycles,
    )
