from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.auth import requires
from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems

from ..principal import ROLES, Principal
from . import repository
from .schemas import Method, MethodIn, MethodList

Me = NamedDependency[Principal]
EVERYONE = [requires(*ROLES)]
ADMIN = [requires("admin")]


class MethodController(Controller):
    path = "/v1/methods"
    tags = ("methods",)

    @get("/", operation_id="listMethods", guards=EVERYONE, responses=problems())
    async def list_all(self, conn: Conn, principal: Me) -> MethodList:
        """Intervisie methods: Kring's catalogue and the organisation's own."""
        return MethodList(items=await repository.all_visible(conn, principal.org_id))

    @get("/{method_id:uuid}", operation_id="getMethod", guards=EVERYONE, responses=problems())
    async def get_one(self, conn: Conn, principal: Me, method_id: FromPath[uuid.UUID]) -> Method:
        """One method with its steps and minutes."""
        return await repository.get(conn, principal.org_id, method_id)

    @post(
        "/",
        operation_id="createMethod",
        opt=links(link("getMethod", method_id="id")),
        guards=ADMIN,
        responses=problems(409, 413, 415),
    )
    async def create(self, conn: Conn, principal: Me, data: JSONBody[MethodIn]) -> Method:
        """Add a method of the organisation's own to the catalogue it sees."""
        return await repository.create(conn, principal.org_id, data)
