"""The wire format of the billing relations: a client organisation's debtor, a person's choice."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import Inbound, Outbound

from ..debtors.schemas import DebtorIn, StoredDebtor

Pays = Literal["employer", "self"]


class EmployerPays(Inbound, frozen=True, tag_field="pays", tag="employer"):
    """The person's employer pays: their invoices go to the debtor linked to the client
    organisation that employs them (the `employer_id` of scheduling's attendee)."""

    examples = ({"pays": "employer"},)


class SelfPays(Inbound, frozen=True, tag_field="pays", tag="self"):
    """The person pays themselves: their invoices go to this debtor, their own."""

    examples = (
        {
            "pays": "self",
            "debtor": {
                "name": "Anouk de Vries",
                "street": "Lange Nieuwstraat 2",
                "postal_code": "3512 PA",
                "city": "Utrecht",
            },
        },
    )

    debtor: DebtorIn


BillingChoiceIn = EmployerPays | SelfPays

Released = Annotated[
    list[uuid.UUID],
    msgspec.Meta(
        description=(
            "The invoices this write completed, in cost sheet order: drafts held in "
            "`needs_debtor` that the new data gives a complete debtor. Each is a `draft` now, "
            "or `issued` where its facilitator's billing profile has `auto_issue`."
        )
    ),
]


class OrganisationDebtor(Outbound, frozen=True):
    """The debtor that pays the invoices of a client organisation's employees."""

    client_organisation_id: Annotated[
        uuid.UUID, msgspec.Meta(description="Scheduling's id of the client organisation.")
    ]
    debtor: StoredDebtor


class OrganisationDebtorWritten(OrganisationDebtor, frozen=True):
    released: Released


class PersonBilling(Outbound, frozen=True):
    """Who pays a person's invoices: their employer, or they themselves (then `debtor`)."""

    person_id: Annotated[uuid.UUID, msgspec.Meta(description="Scheduling's id of the person.")]
    pays: Pays
    debtor: Annotated[
        StoredDebtor | None,
        msgspec.Meta(description="The person as their own debtor; null when the employer pays."),
    ]
    updated_at: datetime


class PersonBillingWritten(PersonBilling, frozen=True):
    released: Released
