from __future__ import annotations

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody

from services.kit.db import Conn
from services.kit.routes import action

from ..principal import Principal
from . import service
from .schemas import PreflightIn, PreflightResult

Me = NamedDependency[Principal]


class PreflightController(Controller):
    path = "/v1/preflight"
    tags = ("preflight",)

    @action(
        "/",
        operation_id="preflight",
        errors=(413, 415),
        rules=("covers_members", "unique", "bsn"),
    )
    async def preflight(
        self, conn: Conn, principal: Me, data: JSONBody[PreflightIn]
    ) -> PreflightResult:
        """Warn before hours are lost: the rules of each register the members hold that a group
        (after a member joins) or a planned session will break, judged as the ledger will judge
        the closed session, by the rules in force today. A register without rules is named
        with the rule `register`. Nothing is stored."""
        return await service.preflight(conn, principal.org_id, data)
