from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.routes import upsert

from ..principal import Principal
from . import service
from .params import RegisterCodePath
from .schemas import OrganisationRegisterIn, Register, RegisterList, RuleSet, RuleSetIn, RuleSetList

Me = NamedDependency[Principal]


class RegisterController(Controller):
    path = "/v1/registers"
    tags = ("registers",)

    @get("/", operation_id="listRegisters", responses=problems())
    async def list_all(self, conn: Conn, principal: Me) -> RegisterList:
        """Every register in the catalogue and the organisation's own, ordered by code."""
        return await service.list_all(conn, principal.org_id)

    @get("/{code:str}", operation_id="getRegister", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, code: RegisterCodePath) -> Register:
        """One register, by its code or a common spelling of it (`NOvA`, `V&VN`)."""
        return await service.register(conn, principal.org_id, code)

    @upsert(
        Register,
        "/{code:str}",
        operation_id="createOrganisationRegister",
        opt=links(
            *(
                link(target, code="$request.path.code")
                for target in (
                    "getRegister",
                    "addRuleSet",
                    "listRuleSets",
                    "exportRegisterCsv",
                    "exportRegisterNdjson",
                )
            )
        ),
        errors=(409,),
        rules=("canonical_code",),
    )
    async def upsert(
        self,
        conn: Conn,
        principal: Me,
        code: RegisterCodePath,
        data: JSONBody[OrganisationRegisterIn],
    ) -> Response[Register]:
        """Define (or rename) a register of the organisation's own; its rules come as versions."""
        return upserted(*await service.upsert(conn, principal.org_id, code, data))

    @get("/{code:str}/rule-sets", operation_id="listRuleSets", responses=problems())
    async def rule_sets(self, conn: Conn, principal: Me, code: RegisterCodePath) -> RuleSetList:
        """Every version of a register's rules the organisation sees, oldest first: the
        catalogue's and its own (overrides marked, with their reason); entries name the version
        used."""
        return await service.rule_sets(conn, principal.org_id, code)

    @post(
        "/{code:str}/rule-sets",
        operation_id="addRuleSet",
        status_code=HTTP_201_CREATED,
        responses=problems(
            409,
            413,
            415,
            rules=(
                "after_latest_version",
                "not_below_group_min",
                "role_needs_recognitions",
                "not_below_min_session",
                "within_cycle_cap",
                "certain_figure",
            ),
        ),
    )
    async def add_rule_set(
        self, conn: Conn, principal: Me, code: RegisterCodePath, data: JSONBody[RuleSetIn]
    ) -> RuleSet:
        """Add the next version of a register's rules for the organisation.

        For the organisation's own register: any consistent rules. For a catalogue register
        (which otherwise changes by a Kring release): an override of the figures the catalogue
        marks `uncertain`, with a `reason`, applying to this organisation alone; without a
        reason, 409. 404: no such register. 422: a figure the catalogue is certain of changed
        (`certain_figure`), limits no session or cycle could meet, or a start on or before
        the latest version's (`after_latest_version`). 409: sessions on or after
        `valid_from` are already judged under another version (`judged_under_other_version`).
        Nothing is stored when refused.
        """
        return await service.add_rule_set(conn, principal.org_id, code, data)
