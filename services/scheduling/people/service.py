"""People's use cases: each runs on the caller's connection, rules from ``rules.py`` (who may
write and read whom, what a batch must satisfy), SQL from ``repository``. A person whose
fields or registrations an upsert changed is announced (``person.updated``) in its
transaction; an upsert refused because it sends an erased person's id is announced
(``person.resync_refused``) in it too, the only thing of the request's that commits (ADR 0098,
ADR 0100)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from services.kit.errors import NotFound, recording
from services.kit.pagination import Keyset, page_of
from services.kit.request_context import current_request_id

from .. import webhooks
from ..policy import FACILITATED_PEOPLE, POLICY
from ..principal import Principal
from ..privacy import repository as erasures
from ..privacy.rules import erased_key
from . import repository, rules
from .schemas import (
    PeopleBatchResult,
    Person,
    PersonBatchItem,
    PersonIn,
    PersonPage,
    PersonResyncRefusedData,
)


async def upsert(
    conn: asyncpg.Connection,
    principal: Principal,
    external_id: str,
    data: PersonIn,
) -> tuple[Person, bool]:
    """The person and whether they were created; an HR client writes only its own people, and
    nobody an erased person's id (announced, then refused)."""
    employer_id = rules.employer_to_write(principal, data.employer_id)
    rules.check_registrations(data.registrations)
    confined_to = rules.confined_to(principal)
    if data.manager_id is not None:
        if confined_to is not None:
            employs = await repository.employs(conn, principal.org_id, confined_to, data.manager_id)
            rules.check_manager_visible(confined_to, data.manager_id, employs=employs)
        loops = await repository.manager_chain_loops(
            conn, principal.org_id, external_id, data.manager_id
        )
        rules.check_manager_chain(loops=loops)
    upserted = await repository.upsert(
        conn,
        principal.org_id,
        external_id,
        data,
        employer_id=employer_id,
        erased_key=erased_key(principal.org_id, external_id),
        confined_to=confined_to,
    )
    if upserted is None:
        await _refuse_unwritten(conn, principal.org_id, external_id, employer_id=employer_id)
    assert upserted is not None
    person, written = upserted
    if written.outcome == "updated":
        await _announce(conn, principal.org_id, person.id, data, employer_id=person.employer_id)
    return person, written.inserted


async def upsert_batch(
    conn: asyncpg.Connection,
    principal: Principal,
    items: Sequence[PersonBatchItem],
) -> PeopleBatchResult:
    """All the items or none: every refused item is named before anything is written; each
    item sending an erased person's id is announced, and only that commits of the refusal."""
    own = rules.confined_to(principal)
    employer_ids, errors = rules.batch_employers(own, items)
    await erasures.lock_external_ids(conn, principal.org_id, [i.external_id for i in items])
    findings = await repository.batch_findings(
        conn,
        principal.org_id,
        items,
        employer_ids,
        confined_to=own,
        erased_keys=[erased_key(principal.org_id, item.external_id) for item in items],
    )
    if erased := [finding.index for finding in findings if finding.erased]:
        request_id = current_request_id()
        told = await erasures.refusals_to_announce(
            conn, principal.org_id, [items[index].external_id for index in erased]
        )
        refused = [
            rules.resync_refused(
                "upsertPeople",
                rules.item_field(index, "external_id"),
                employer_id=employer_ids[index],
                request_id=request_id,
            )
            for index in erased
            if items[index].external_id in told
        ]
        await _announce_refused(conn, principal.org_id, refused)
    with recording(bool(erased)):
        rules.refuse_batch([*errors, *rules.batch_errors(items), *rules.finding_errors(findings)])
    written = await repository.upsert_batch(conn, principal.org_id, items, employer_ids)
    for item, employer_id in zip(items, employer_ids, strict=True):
        if (person := written[item.external_id]).outcome == "updated":
            await _announce(conn, principal.org_id, person.id, item, employer_id=employer_id)
    return rules.batch_result(items, written)


async def _refuse_unwritten(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    external_id: str,
    *,
    employer_id: uuid.UUID | None,
) -> None:
    """Why the single upsert wrote nothing, raised: the id is an erased person's (announced,
    the refusal recorded), or else the stored person is employed elsewhere."""
    if not await erasures.erased_among(conn, org_id, [external_id]):
        raise rules.employed_elsewhere()
    if await erasures.refusals_to_announce(conn, org_id, [external_id]):
        refused = rules.resync_refused(
            "upsertPerson",
            rules.ERASED_FIELD,
            employer_id=employer_id,
            request_id=current_request_id(),
        )
        await _announce_refused(conn, org_id, [refused])
    with recording():
        rules.check_not_erased(erased=True)


async def _announce_refused(
    conn: asyncpg.Connection, org_id: uuid.UUID, refused: Sequence[PersonResyncRefusedData]
) -> None:
    """``person.resync_refused`` for each refused id, before anything else is written: the
    refusal raised in :func:`recording` commits them alone. The tenant is the events'
    aggregate."""
    for event in refused:
        await webhooks.emit(conn, org_id, event, aggregate_id=org_id)


async def _announce(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    data: PersonIn,
    *,
    employer_id: uuid.UUID | None,
) -> None:
    """``person.updated`` with what was written: ``data`` is the person as now stored."""
    event = rules.updated_event(
        person_id,
        given_name=data.given_name,
        family_name=data.family_name,
        employer_id=employer_id,
        registrations=data.registrations,
    )
    await webhooks.emit(conn, org_id, event, aggregate_id=person_id)


async def _readable(
    conn: asyncpg.Connection, principal: Principal, person: Person, operation: str
) -> Person:
    """The person, if the caller's scope in ``operation`` reaches them; else a 404."""
    scope = POLICY.scope(operation, principal)
    facilitated = (
        scope == FACILITATED_PEOPLE
        and principal.person is not None
        and await repository.facilitated_by(conn, principal.org_id, principal.person, person.id)
    )
    reached = rules.may_read(
        scope,
        principal,
        person_id=person.id,
        employer_id=person.employer_id,
        facilitated=facilitated,
    )
    if not reached:
        raise NotFound(f"No person {person.id}.")
    return person


async def get(conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await repository.get(conn, principal.org_id, person_id)
    return await _readable(conn, principal, person, "getPerson")


async def get_by_external_id(
    conn: asyncpg.Connection, principal: Principal, external_id: str
) -> Person:
    person = await repository.get_by_external_id(conn, principal.org_id, external_id)
    return await _readable(conn, principal, person, "getPersonByExternalId")


async def page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset, *, employer_id: uuid.UUID | None
) -> PersonPage:
    """A page of the people the principal may see (``policy.py``: an HR client its client
    organisation's, a facilitator those of the groups it facilitates), optionally of one
    employer."""
    scope = POLICY.scope("listPeople", principal)
    employer_id = rules.employer_filter(scope, principal, employer_id)
    facilitator = None
    if scope == FACILITATED_PEOPLE:
        facilitator = principal.person or rules.NOBODY
    items = await repository.page(
        conn, principal.org_id, asked, employer_id=employer_id, facilitated_by=facilitator
    )
    return page_of(PersonPage, items, asked.limit)
