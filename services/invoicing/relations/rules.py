"""Whose debtor pays a participant's invoice. Pure.

A person who pays themselves (``pays: self``) is billed as their own debtor. Otherwise
(``pays: employer``, or no choice recorded) the debtor linked to their employer, the client
organisation scheduling names, pays. Without either there is nobody to bill: the draft is
held in ``needs_debtor``. Nothing is guessed: a debtor's external id is never read as a
person's or an organisation's id.

Whom the invoice bills (``billed_to``) is decided with its buyer: ``person`` or
``employer`` as above; a debtor the cost sheet gives is the person's or the employer's only
when it states exactly their debtor's data, and ``other`` otherwise (ADR 0097).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..debtors.rules import snapshot
from ..debtors.schemas import Debtor, StoredDebtor
from ..invoices.rules import Buyer, Held
from ..invoices.schemas import BilledTo
from ..principal import Principal
from .schemas import Pays


class Choice(NamedTuple):
    """A person's billing choice: who pays, and their own debtor when they pay themselves."""

    pays: Pays
    debtor_id: uuid.UUID | None


class Links(NamedTuple):
    """The billing relations of some people and client organisations, with their debtors."""

    choices: Mapping[uuid.UUID, Choice]
    """By person id."""
    organisations: Mapping[uuid.UUID, uuid.UUID]
    """The linked debtor's id, by client organisation id."""
    debtors: Mapping[uuid.UUID, StoredDebtor]
    """Every debtor named above, by id."""


def buyer_of(
    links: Links,
    *,
    person_id: uuid.UUID,
    client_organisation_id: uuid.UUID | None,
    given: Debtor | None = None,
) -> Buyer | None:
    """Whom the person's invoice is addressed to, as it states them, and who that is: the
    debtor the cost sheet gives (``given``), else their own debtor when they pay themselves,
    else their employer's; ``None``: nobody to bill."""
    choice = links.choices.get(person_id)
    own = _debtor(links, choice.debtor_id if choice and choice.pays == "self" else None)
    linked = links.organisations.get(client_organisation_id) if client_organisation_id else None
    employer = _debtor(links, linked)
    if given is not None:
        whom: BilledTo = "person" if given == own else "employer" if given == employer else "other"
        return Buyer(given, whom)
    if choice is not None and choice.pays == "self":
        return None if own is None else Buyer(own, "person")
    return None if employer is None else Buyer(employer, "employer")


def _debtor(links: Links, debtor_id: uuid.UUID | None) -> Debtor | None:
    debtor = None if debtor_id is None else links.debtors.get(debtor_id)
    return None if debtor is None else snapshot(debtor)


def buyers(links: Links, held: Sequence[Held]) -> dict[uuid.UUID, Buyer | None]:
    """Each held draft's debtor as its invoice would state it now, and who that is, by id."""
    return {
        draft.id: buyer_of(
            links, person_id=draft.person_id, client_organisation_id=draft.client_organisation_id
        )
        for draft in held
    }


def may_reach_organisation(principal: Principal, client_organisation_id: uuid.UUID) -> bool:
    """An HR client reaches only its own client organisation's debtor; the admins and
    facilitators who bill, every one of the tenant."""
    if principal.has("admin", "facilitator"):
        return True
    return principal.client_org is not None and principal.client_org == client_organisation_id
