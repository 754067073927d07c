from __future__ import annotations

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems

from ..principal import Principal
from ..registers.params import RegisterCodePath
from . import service
from .schemas import Consent, ConsentList

Me = NamedDependency[Principal]


class ConsentController(Controller):
    path = "/v1/consents"
    tags = ("consents",)

    @get("/", operation_id="listConsents", responses=problems())
    async def list_own(self, conn: Conn, principal: Me) -> ConsentList:
        """The caller's consents, granted and revoked, by register."""
        return await service.list_own(conn, principal)

    @put(
        "/{code:str}",
        operation_id="grantConsent",
        opt=links(link("revokeConsent", code="$request.path.code")),
        status_code=HTTP_200_OK,
        responses={
            HTTP_201_CREATED: ResponseSpec(Consent, description="Granted now."),
            **problems(),
        },
    )
    async def grant(self, conn: Conn, principal: Me, code: RegisterCodePath) -> Response[Consent]:
        """Let the register's registration body read the caller's entries in it (idempotent)."""
        consent, granted_now = await service.grant(conn, principal, code)
        return Response(consent, status_code=HTTP_201_CREATED if granted_now else HTTP_200_OK)

    @delete(
        "/{code:str}",
        operation_id="revokeConsent",
        status_code=HTTP_200_OK,
        responses=problems(),
    )
    async def revoke(self, conn: Conn, principal: Me, code: RegisterCodePath) -> Consent:
        """Withdraw the consent: the registration body no longer sees the caller's entries."""
        return await service.revoke(conn, principal, code)
