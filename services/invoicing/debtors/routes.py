from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.openapi import problems, upsert_responses, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..principal import Principal
from . import repository, rules
from .schemas import DebtorIn, ExternalIdPath, StoredDebtor, StoredDebtorPage


class DebtorController(Controller):
    path = "/v1/debtors"
    tags = ("debtors",)

    @put(
        "/by-external-id/{external_id:str}",
        operation_id="upsertDebtor",
        guards=[requires("admin", "facilitator")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(StoredDebtor, 422),
    )
    async def upsert(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
        data: JSONBody[DebtorIn],
    ) -> Response[StoredDebtor]:
        """Create or update a debtor by the caller's own id (idempotent).

        A debtor is who pays a participant's invoice: an employer, a municipality (with
        its Peppol endpoint, e.g. 0190 and its OIN), or the participant. Cost sheets name
        it by `debtor_id`; each invoice keeps a copy of its data as it was.
        """
        debtor, created = await repository.upsert(
            conn, principal.org_id, external_id, rules.check(data)
        )
        return upserted(debtor, created)

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getDebtorByExternalId",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def get_by_external_id(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
    ) -> StoredDebtor:
        """One debtor, by the caller's own id."""
        return await repository.get_by_external_id(conn, principal.org_id, external_id)

    @get(
        "/{debtor_id:uuid}",
        operation_id="getDebtor",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        debtor_id: FromPath[uuid.UUID],
    ) -> StoredDebtor:
        """One debtor."""
        return await repository.get(conn, principal.org_id, debtor_id)

    @get(
        "/",
        operation_id="listDebtors",
        guards=[requires("admin", "facilitator")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> StoredDebtorPage:
        """Debtors in creation order, a page at a time."""
        items = await repository.page(
            conn, principal.org_id, after=decode_cursor(cursor), limit=limit
        )
        return StoredDebtorPage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )
