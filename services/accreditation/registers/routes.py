from __future__ import annotations

import asyncpg
from litestar import Controller, get
from litestar.di import NamedDependency

from services.kit.auth import ROLES, requires
from services.kit.openapi import problems

from . import repository, rules
from .schemas import Register, RegisterCodePath, RegisterList


class RegisterController(Controller):
    path = "/v1/registers"
    tags = ("registers",)

    @get("/", operation_id="listRegisters", guards=[requires(*ROLES)], responses=problems())
    async def list_all(self, conn: NamedDependency[asyncpg.Connection]) -> RegisterList:
        """Every register in the catalogue, ordered by code."""
        return RegisterList(items=await repository.list_all(conn))

    @get("/{code:str}", operation_id="getRegister", guards=[requires(*ROLES)], responses=problems())
    async def get_one(
        self, conn: NamedDependency[asyncpg.Connection], code: RegisterCodePath
    ) -> Register:
        """One register, by its code or a common spelling of it (`NOvA`, `V&VN`)."""
        return await repository.get(conn, rules.normalise_code(code))
