"""The billing relations' use cases, on the caller's connection.

Writing a client organisation's debtor or a person's choice completes the drafts held for
want of it (``needs_debtor``): each is given its debtor as now resolved, and issued at once
where its facilitator's profile says so (``invoices.complete``), in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg

from services.kit.errors import NotFound
from services.kit.ids import uuid7

from ..debtors import repository as debtors
from ..debtors import rules as debtor_rules
from ..debtors.schemas import DebtorIn
from ..invoices import service as invoices
from ..principal import Principal
from . import repository, rules
from .schemas import (
    BillingChoiceIn,
    OrganisationDebtor,
    OrganisationDebtorWritten,
    Pays,
    PersonBilling,
    PersonBillingWritten,
    SelfPays,
)


async def links(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_ids: Iterable[uuid.UUID],
    client_organisation_ids: Iterable[uuid.UUID | None],
) -> rules.Links:
    """The billing relations of these people and client organisations, with their debtors."""
    people = list(set(person_ids))
    employers = list({c for c in client_organisation_ids if c is not None})
    if not people and not employers:
        return rules.Links({}, {}, {})
    choices, organisations = await repository.links(
        conn, org_id, person_ids=people, client_organisation_ids=employers
    )
    wanted = {*organisations.values(), *(c.debtor_id for c in choices.values())}
    found = await debtors.many(conn, org_id, [d for d in wanted if d is not None])
    return rules.Links(choices, organisations, found)


async def _release(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    person_ids: Iterable[uuid.UUID] = (),
    client_organisation_ids: Iterable[uuid.UUID] = (),
) -> list[uuid.UUID]:
    """Complete the held drafts these people's or organisations' new data may resolve."""
    held = await invoices.held(
        conn,
        org_id,
        person_ids=list(person_ids),
        client_organisation_ids=list(client_organisation_ids),
    )
    if not held:
        return []
    found = await links(
        conn,
        org_id,
        person_ids=(h.person_id for h in held),
        client_organisation_ids=(h.client_organisation_id for h in held),
    )
    return await invoices.complete(conn, org_id, rules.buyers(found, held))


def _check_reaches(principal: Principal, client_organisation_id: uuid.UUID) -> None:
    if not rules.may_reach_organisation(principal, client_organisation_id):
        raise NotFound(f"No debtor is linked to client organisation {client_organisation_id}.")


async def link_organisation(
    conn: asyncpg.Connection,
    principal: Principal,
    client_organisation_id: uuid.UUID,
    data: DebtorIn,
) -> tuple[OrganisationDebtorWritten, bool]:
    """Create or update the debtor of a client organisation; whether the link is new. An HR
    client writes only its own organisation's (another is a 404, as one never linked)."""
    _check_reaches(principal, client_organisation_id)
    debtor_rules.check(data)
    debtor_id, created = await repository.link_organisation(
        conn, principal.org_id, client_organisation_id, new_debtor_id=uuid7()
    )
    debtor = await debtors.save(conn, principal.org_id, debtor_id, data)
    released = await _release(
        conn, principal.org_id, client_organisation_ids=[client_organisation_id]
    )
    written = OrganisationDebtorWritten(
        client_organisation_id=client_organisation_id, debtor=debtor, released=released
    )
    return written, created


async def organisation_debtor(
    conn: asyncpg.Connection, principal: Principal, client_organisation_id: uuid.UUID
) -> OrganisationDebtor:
    _check_reaches(principal, client_organisation_id)
    debtor_id = await repository.organisation_debtor_id(
        conn, principal.org_id, client_organisation_id
    )
    debtor = await debtors.get(conn, principal.org_id, debtor_id)
    return OrganisationDebtor(client_organisation_id=client_organisation_id, debtor=debtor)


async def _check_bills(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> None:
    """A facilitator reads and writes the billing of the people they bill only (ADR 0102)."""
    facilitator = debtor_rules.seen_by(principal)
    if facilitator is not None and not await debtors.billed_by(
        conn, principal.org_id, facilitator, person_id
    ):
        raise NotFound(f"No person {person_id} among the people you bill.")


async def choose(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, data: BillingChoiceIn
) -> tuple[PersonBillingWritten, bool]:
    """Record who pays the person's invoices; whether it is their first choice."""
    await _check_bills(conn, principal, person_id)
    own = debtor_rules.check(data.debtor) if isinstance(data, SelfPays) else None
    pays: Pays = "self" if own is not None else "employer"
    choice, created = await repository.choose(
        conn, principal.org_id, person_id, pays, new_debtor_id=uuid7()
    )
    debtor = None
    if own is not None and choice.debtor_id is not None:
        debtor = await debtors.save(
            conn, principal.org_id, choice.debtor_id, own, person_id=person_id
        )
    released = await _release(conn, principal.org_id, person_ids=[person_id])
    written = PersonBillingWritten(
        person_id=person_id,
        pays=choice.pays,
        debtor=debtor,
        updated_at=choice.updated_at,
        released=released,
    )
    return written, created


async def person_billing(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> PersonBilling:
    await _check_bills(conn, principal, person_id)
    choice = await repository.choice(conn, principal.org_id, person_id)
    debtor = None
    if choice.debtor_id is not None:
        debtor = await debtors.get(conn, principal.org_id, choice.debtor_id)
    return PersonBilling(
        person_id=person_id, pays=choice.pays, debtor=debtor, updated_at=choice.updated_at
    )
