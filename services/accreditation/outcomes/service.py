"""The outcomes' use cases: store what the ledger judged (announcing refusals and waits through
the outbox, in the caller's transaction), serve it to who may read it, and bring a pending
session's snapshot up to date so the ledger can judge it again."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import asyncpg
import msgspec

from services.kit.errors import NotFound
from services.kit.ids import uuid7
from services.kit.pagination import Keyset, page_of
from services.kit.policy import TENANT
from services.kit.privacy import processing_log

from .. import webhooks
from ..ledger import rules as ledger_rules
from ..ledger.schemas import ClosedSessionIn, Judgement, RegistrationIn
from ..policy import EMPLOYEES, FACILITATED, POLICY
from ..principal import Principal
from ..registers import service as registers
from ..registers.rules import normalise_code
from . import repository, rules
from .schemas import Outcome, OutcomePage, OutcomePendingData, OutcomeRefusedData


async def store(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session: ClosedSessionIn,
    judgements: Iterable[Judgement],
) -> None:
    """Keep the snapshot and each judgement's outcome; a new or changed refusal or wait is
    announced. Storing the same judgements again changes nothing."""
    await repository.save_snapshot(conn, org_id, session)
    stored = {
        (o.person_id, o.register_code): o
        for o in await repository.of_session(conn, org_id, session.session_id)
    }
    numbers = _numbers(session)
    names = {a.person_id: a.name for a in session.attendees}
    for judgement in judgements:
        key = (judgement.person_id, judgement.register_code)
        previous = stored.get(key)
        outcome = _outcome(
            session, judgement, previous, name=names[key[0]], number=numbers.get(key)
        )
        if previous is not None and _same(previous, outcome):
            continue
        await repository.save(conn, org_id, outcome)
        if rules.worth_announcing(previous, outcome):
            await _announce(conn, org_id, outcome, employer_id=employers(session)[key[0]])


def _numbers(session: ClosedSessionIn) -> dict[tuple[uuid.UUID, str], str]:
    return {
        (attendee.person_id, normalise_code(registration.register)): registration.number
        for attendee in session.attendees
        for registration in attendee.registrations
    }


def _outcome(
    session: ClosedSessionIn,
    judgement: Judgement,
    previous: Outcome | None,
    *,
    name: str,
    number: str | None,
) -> Outcome:
    entry = judgement.entry
    return Outcome(
        id=previous.id if previous else uuid7(),
        session_id=session.session_id,
        session_date=session.date,
        person_id=judgement.person_id,
        person_name=name,
        register_code=judgement.register_code,
        registration_number=number,
        status=rules.status_of(judgement),
        entry_id=entry.id if entry else None,
        minutes=entry.minutes if entry else None,
        points_centi=entry.points_centi if entry else None,
        reasons=list(judgement.reasons),
        rule_version=entry.rule_version if entry else judgement.rule_version,
        judged_at=datetime.now(UTC),
    )


def _same(previous: Outcome, now: Outcome) -> bool:
    """Equal but for when it was judged: nothing to write."""
    return msgspec.structs.replace(now, judged_at=previous.judged_at) == previous


def employers(session: ClosedSessionIn) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each attendee's employer, as the snapshot names it."""
    return {a.person_id: a.employer_id for a in session.attendees}


async def _announce(
    conn: asyncpg.Connection, org_id: uuid.UUID, outcome: Outcome, *, employer_id: uuid.UUID | None
) -> None:
    """``ledger.outcome_pending`` or ``ledger.outcome_refused``; the session is its aggregate."""
    assert outcome.status != "recorded"
    shape = OutcomePendingData if outcome.status == "pending" else OutcomeRefusedData
    data = shape(
        session_id=outcome.session_id,
        person_id=outcome.person_id,
        employer_id=employer_id,
        register=outcome.register_code,
        status=outcome.status,
        reasons=outcome.reasons,
        rule_version=outcome.rule_version,
    )
    await webhooks.emit(conn, org_id, data, aggregate_id=outcome.session_id)


async def snapshot_employers(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each attendee's employer, as the session's stored snapshot names it (none when no
    snapshot is stored)."""
    session = await repository.snapshot(conn, org_id, session_id)
    return employers(session) if session is not None else {}


async def pending_snapshots(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    registrations: Mapping[str, RegistrationIn],
) -> list[ClosedSessionIn]:
    """The snapshots of the sessions where the person's outcomes wait, with the person's waiting
    registrations replaced by ``registrations`` (by canonical code): those to judge again."""
    updated: list[ClosedSessionIn] = []
    for session_id, codes in (await repository.pending_of(conn, org_id, person_id)).items():
        session = await repository.snapshot(conn, org_id, session_id)
        if session is None:
            continue
        changed = rules.with_registrations(session, person_id, registrations, registers=codes)
        if changed is not None:
            updated.append(changed)
    return updated


async def facilitated(
    conn: asyncpg.Connection, principal: Principal, session_id: uuid.UUID
) -> bool:
    """Whether the caller facilitated the session, as its stored snapshot says."""
    return await repository.facilitated(
        conn, principal.org_id, session_id, rules.person_of(principal)
    )


async def session_outcomes(
    conn: asyncpg.Connection,
    principal: Principal,
    session_id: uuid.UUID,
    asked: Keyset,
) -> OutcomePage:
    """What a session earned, for whom, and why not, in the order first judged: a
    facilitator's own sessions (another reads as a session never judged), an HR client's
    employees only (ADR 0082)."""
    scope = POLICY.scope("listSessionOutcomes", principal)
    if scope == FACILITATED and not await facilitated(conn, principal, session_id):
        return OutcomePage(items=[], next_cursor=None)
    items = await repository.session_page(
        conn,
        principal.org_id,
        session_id,
        asked,
        employer_id=rules.employer_of(principal) if scope == EMPLOYEES else None,
    )
    return page_of(OutcomePage, items, asked.limit)


async def person_outcomes(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: uuid.UUID,
    asked: Keyset,
    *,
    register: str | None,
) -> OutcomePage:
    """A person's outcomes, of one register when it is given: an admin's of anyone, an HR
    client's of the sessions where its organisation employed them (404 for anyone it never
    employed), anyone else's of themselves (404 for another)."""
    scope = POLICY.scope("listPersonOutcomes", principal)
    employer = rules.employer_of(principal) if scope == EMPLOYEES else None
    if employer is not None:
        if not await repository.employed(conn, principal.org_id, person_id, employer):
            raise NotFound(f"No outcomes of person {person_id}.")
    elif scope != TENANT and rules.person_of(principal) != person_id:
        raise NotFound(f"No outcomes of person {person_id}.")
    code = await registers.known_code(conn, principal.org_id, register) if register else None
    items = await repository.person_page(
        conn, principal.org_id, person_id, asked, register_code=code, employer_id=employer
    )
    return page_of(OutcomePage, items, asked.limit)


async def registrar_outcomes(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset
) -> OutcomePage:
    """The outcomes in the token's register of registrants who consented; each registrant
    shown is written to the processing log."""
    register_code = ledger_rules.registrar_register(principal)
    items = await repository.registrar_page(conn, principal.org_id, register_code, asked)
    page = page_of(OutcomePage, items, asked.limit)
    await processing_log.record_each(
        conn,
        principal,
        operation="listRegistrantOutcomes",
        grant=f"consent to register {register_code}",
        person_ids=list(dict.fromkeys(o.person_id for o in page.items)),
        scope=register_code,
    )
    return page
