from __future__ import annotations

import asyncpg
from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.openapi import problems

from ..principal import Principal
from ..registers import repository as registers
from ..registers.rules import normalise_code
from ..registers.schemas import RegisterCodePath
from . import repository, rules
from .schemas import Consent, ConsentList


class ConsentController(Controller):
    path = "/v1/consents"
    tags = ("consents",)

    @get("/", operation_id="listConsents", guards=[requires("participant")], responses=problems())
    async def list_own(
        self, conn: NamedDependency[asyncpg.Connection], principal: NamedDependency[Principal]
    ) -> ConsentList:
        """The caller's consents, granted and revoked, by register."""
        person = rules.consenting_person(principal)
        return ConsentList(items=await repository.list_for(conn, principal.org_id, person))

    @put(
        "/{code:str}",
        operation_id="grantConsent",
        guards=[requires("participant")],
        status_code=HTTP_200_OK,
        responses={
            HTTP_201_CREATED: ResponseSpec(Consent, description="Granted now."),
            **problems(),
        },
    )
    async def grant(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
    ) -> Response[Consent]:
        """Let the register's registration body read the caller's entries in it (idempotent)."""
        person = rules.consenting_person(principal)
        register = await registers.get(conn, principal.org_id, normalise_code(code))
        consent, granted_now = await repository.grant(conn, principal.org_id, person, register.code)
        return Response(consent, status_code=HTTP_201_CREATED if granted_now else HTTP_200_OK)

    @delete(
        "/{code:str}",
        operation_id="revokeConsent",
        guards=[requires("participant")],
        status_code=HTTP_200_OK,
        responses=problems(),
    )
    async def revoke(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
    ) -> Consent:
        """Withdraw the consent: the registration body no longer sees the caller's entries."""
        person = rules.consenting_person(principal)
        return await repository.revoke(conn, principal.org_id, person, normalise_code(code))
