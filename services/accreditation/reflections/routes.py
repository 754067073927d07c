from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import action

from ..ledger.chain import Signer
from ..principal import Principal
from . import rules, service
from .params import StatementIdPath
from .schemas import (
    CountersignatureIn,
    ReflectionRequestIn,
    ReflectionStatement,
    ReflectionStatementPage,
)

Me = NamedDependency[Principal]


class ReflectionController(Controller):
    path = "/v1/reflection-statements"
    tags = ("reflection statements",)

    @post(
        "/",
        operation_id="requestReflectionStatement",
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415, rules=rules.RULES_REQUEST),
        opt=links(
            link("getReflectionStatement", statement_id="id"),
            link("countersignReflectionStatement", statement_id="id"),
        ),
    )
    async def request(
        self, conn: Conn, principal: Me, data: JSONBody[ReflectionRequestIn]
    ) -> ReflectionStatement:
        """Ask a supervisor to countersign the reflection statement (reflectieverklaring) of
        the caller's cycle in a register that asks for one (SKJ). The register's rules name
        the bodies whose supervisors qualify (`accepted_recognitions`)."""
        return await service.request(conn, principal, data)

    @get("/", operation_id="listReflectionStatements", responses=problems())
    async def list_page(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> ReflectionStatementPage:
        """The statements a caller asked for or is asked to countersign (an admin: all)."""
        return await service.page(conn, principal, keyset(cursor, limit))

    @get(
        "/{statement_id:uuid}",
        operation_id="getReflectionStatement",
        responses=problems(),
    )
    async def get_one(
        self, conn: Conn, principal: Me, statement_id: StatementIdPath
    ) -> ReflectionStatement:
        """One statement: requested or countersigned, and under which recognition."""
        return await service.get(conn, principal, statement_id)

    @action(
        "/{statement_id:uuid}/countersignature",
        operation_id="countersignReflectionStatement",
        errors=(409, 413, 415),
        rules=rules.RULES_COUNTERSIGN,
    )
    async def countersign(
        self,
        conn: Conn,
        principal: Me,
        state: State,
        statement_id: StatementIdPath,
        data: JSONBody[CountersignatureIn],
    ) -> ReflectionStatement:
        """The supervisor the statement names countersigns it (a facilitator's token, or one
        with the claim `supervisor`), under a recognition the register accepts; anyone else
        is refused (403, `not_the_supervisor`). The cycle's standing period statement is
        issued again with the statement as evidence."""
        signer: Signer = state.signer
        return await service.countersign(conn, principal, statement_id, data, signer=signer)
