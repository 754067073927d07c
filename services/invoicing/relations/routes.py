from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.routes import upsert

from ..debtors.rules import ENDPOINT_RULES
from ..debtors.schemas import DebtorIn
from ..principal import Principal
from . import service
from .schemas import (
    BillingChoiceIn,
    OrganisationDebtor,
    OrganisationDebtorWritten,
    PersonBilling,
    PersonBillingWritten,
)

Me = NamedDependency[Principal]
ClientOrganisationId = Annotated[
    uuid.UUID, PathParameter(description="Scheduling's id of the client organisation.")
]
PersonId = Annotated[uuid.UUID, PathParameter(description="Scheduling's id of the person.")]


class BillingRelationController(Controller):
    path = "/v1/debtors"
    tags = ("debtors",)

    @upsert(
        OrganisationDebtorWritten,
        "/for-client-organisation/{client_organisation_id:uuid}",
        operation_id="putClientOrganisationDebtor",
        opt=links(
            link(
                "getClientOrganisationDebtor",
                client_organisation_id="$request.path.client_organisation_id",
            )
        ),
        rules=ENDPOINT_RULES,
    )
    async def link_organisation(
        self,
        conn: Conn,
        principal: Me,
        client_organisation_id: ClientOrganisationId,
        data: JSONBody[DebtorIn],
    ) -> Response[OrganisationDebtorWritten]:
        """Create or update the debtor that pays for a client organisation's employees
        (idempotent; 201 when the organisation had none).

        The client organisation is scheduling's (`employer_id` of a session's attendee).
        A participant employed there is billed to this debtor unless they pay themselves
        (`PUT /v1/debtors/for-person/{person_id}`). Every invoice held in `needs_debtor` that
        this debtor now completes becomes a draft at once, or is issued where the
        facilitator's billing profile has `auto_issue` (`released`). A government buyer
        gives its OIN as Peppol endpoint 0190 and its order number as `buyer_reference`.
        """
        return upserted(
            *await service.link_organisation(conn, principal, client_organisation_id, data)
        )

    @get(
        "/for-client-organisation/{client_organisation_id:uuid}",
        operation_id="getClientOrganisationDebtor",
        responses=problems(),
    )
    async def organisation_debtor(
        self, conn: Conn, principal: Me, client_organisation_id: ClientOrganisationId
    ) -> OrganisationDebtor:
        """The debtor that pays for a client organisation's employees (404: none is linked)."""
        return await service.organisation_debtor(conn, principal, client_organisation_id)

    @upsert(
        PersonBillingWritten,
        "/for-person/{person_id:uuid}",
        operation_id="putPersonBilling",
        opt=links(link("getPersonBilling", person_id="$request.path.person_id")),
        rules=ENDPOINT_RULES,
    )
    async def choose(
        self, conn: Conn, principal: Me, person_id: PersonId, data: JSONBody[BillingChoiceIn]
    ) -> Response[PersonBillingWritten]:
        """Record who pays a person's invoices (idempotent; 201 for their first choice):
        `{"pays": "employer"}`, or `{"pays": "self", "debtor": {…}}` with their own name and
        address.

        Their employer paying, they are billed to the debtor of the client organisation that
        employs them; with no choice recorded, too. Every invoice held in `needs_debtor` that
        the choice now completes becomes a draft, or is issued where the facilitator's
        billing profile has `auto_issue` (`released`).
        """
        return upserted(*await service.choose(conn, principal, person_id, data))

    @get(
        "/for-person/{person_id:uuid}",
        operation_id="getPersonBilling",
        responses=problems(),
    )
    async def person_billing(self, conn: Conn, principal: Me, person_id: PersonId) -> PersonBilling:
        """Who pays a person's invoices (404: no choice is recorded)."""
        return await service.person_billing(conn, principal, person_id)
