from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems

from ..principal import Principal
from . import repository
from .schemas import Method, MethodIn, MethodList

Me = NamedDependency[Principal]


class MethodController(Controller):
    path = "/v1/methods"
    tags = ("methods",)

    @get("/", operation_id="listMethods", responses=problems())
    async def list_all(self, conn: Conn, principal: Me) -> MethodList:
        """Intervisie methods: Kring's catalogue and the organisation's own."""
        return MethodList(items=await repository.all_visible(conn, principal.org_id))

    @get("/{method_id:uuid}", operation_id="getMethod", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, method_id: FromPath[uuid.UUID]) -> Method:
        """One method with its steps and minutes."""
        return await repository.get(conn, principal.org_id, method_id)

    @post(
        "/",
        operation_id="createMethod",
        opt=links(link("getMethod", method_id="id")),
        responses=problems(409, 413, 415),
    )
    async def create(self, conn: Conn, principal: Me, data: JSONBody[MethodIn]) -> Method:
        """Add a method of the organisation's own to the catalogue it sees."""
        return await repository.create(conn, principal.org_id, data)
