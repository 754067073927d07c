from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.params import ExternalIdPath
from services.kit.routes import upsert

from ..principal import Principal
from . import service
from .rules import ENDPOINT_RULES
from .schemas import DebtorIn, StoredDebtor, StoredDebtorPage

Me = NamedDependency[Principal]


class DebtorController(Controller):
    path = "/v1/debtors"
    tags = ("debtors",)

    @upsert(
        StoredDebtor,
        "/by-external-id/{external_id:str}",
        operation_id="upsertDebtor",
        opt=links(
            link("getDebtor", debtor_id="id"),
            link("getDebtorByExternalId", external_id="$request.path.external_id"),
        ),
        rules=ENDPOINT_RULES,
    )
    async def upsert(
        self, conn: Conn, principal: Me, external_id: ExternalIdPath, data: JSONBody[DebtorIn]
    ) -> Response[StoredDebtor]:
        """Create or update a debtor by the caller's own id (idempotent).

        A debtor is who pays a participant's invoice: an employer, a municipality (with
        its Peppol endpoint, e.g. 0190 and its OIN), or the participant. A cost sheet names
        it by `debtor_id`; each invoice keeps a copy of its data as it was. The external id
        is only the caller's: it never links the debtor to a client organisation or a
        person, whatever it looks like (that is `PUT /v1/debtors/for-client-organisation/…`
        and `PUT /v1/debtors/for-person/…`).
        """
        return upserted(*await service.upsert(conn, principal, external_id, data))

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getDebtorByExternalId",
        responses=problems(),
    )
    async def get_by_external_id(
        self, conn: Conn, principal: Me, external_id: ExternalIdPath
    ) -> StoredDebtor:
        """One debtor, by the caller's own id."""
        return await service.by_external_id(conn, principal, external_id)

    @get("/{debtor_id:uuid}", operation_id="getDebtor", responses=problems())
    async def get_one(
        self, conn: Conn, principal: Me, debtor_id: FromPath[uuid.UUID]
    ) -> StoredDebtor:
        """One debtor."""
        return await service.get(conn, principal, debtor_id)

    @get("/", operation_id="listDebtors", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> StoredDebtorPage:
        """Debtors in creation order, a page at a time."""
        return await service.page(conn, principal, keyset(cursor, limit))
