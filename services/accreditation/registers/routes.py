from __future__ import annotations

import asyncpg
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.errors import Conflict, RuleViolation
from services.kit.openapi import problems, upsert_responses, upserted

from ..principal import ROLES, Principal
from . import repository, rules
from .schemas import (
    OrganisationRegisterIn,
    Register,
    RegisterCodePath,
    RegisterList,
    RuleSet,
    RuleSetIn,
    RuleSetList,
)


class RegisterController(Controller):
    path = "/v1/registers"
    tags = ("registers",)

    @get("/", operation_id="listRegisters", guards=[requires(*ROLES)], responses=problems())
    async def list_all(
        self, conn: NamedDependency[asyncpg.Connection], principal: NamedDependency[Principal]
    ) -> RegisterList:
        """Every register in the catalogue and the organisation's own, ordered by code."""
        return RegisterList(items=await repository.list_all(conn, principal.org_id))

    @get("/{code:str}", operation_id="getRegister", guards=[requires(*ROLES)], responses=problems())
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
    ) -> Register:
        """One register, by its code or a common spelling of it (`NOvA`, `V&VN`)."""
        return await repository.get(conn, principal.org_id, rules.normalise_code(code))

    @put(
        "/{code:str}",
        operation_id="createOrganisationRegister",
        guards=[requires("admin")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(Register, 409, 422),
    )
    async def upsert(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
        data: JSONBody[OrganisationRegisterIn],
    ) -> Response[Register]:
        """Define (or rename) a register of the organisation's own; its rules come as versions."""
        canonical = rules.normalise_code(code)
        if errors := rules.code_errors(canonical):
            raise RuleViolation("The register code is not a canonical code.", errors=errors)
        register, created = await repository.upsert_organisation_register(
            conn, principal.org_id, canonical, data
        )
        return upserted(register, created)

    @get(
        "/{code:str}/rule-sets",
        operation_id="listRuleSets",
        guards=[requires(*ROLES)],
        responses=problems(),
    )
    async def rule_sets(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
    ) -> RuleSetList:
        """Every version of a register's rules, oldest first; entries name the version used."""
        register = await repository.get(conn, principal.org_id, rules.normalise_code(code))
        return RuleSetList(items=await repository.rule_sets(conn, principal.org_id, register.code))

    @post(
        "/{code:str}/rule-sets",
        operation_id="addRuleSet",
        guards=[requires("admin")],
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415, 422),
    )
    async def add_rule_set(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        code: RegisterCodePath,
        data: JSONBody[RuleSetIn],
    ) -> RuleSet:
        """Add the next version of an organisation register's rules.

        Catalogue registers change by a Kring release (409 here).
        """
        register = await repository.get(conn, principal.org_id, rules.normalise_code(code))
        if register.defined_by == "catalogue":
            raise Conflict(f"{register.code} is a catalogue register: its rules are Kring's data.")
        latest = await repository.latest_valid_from(conn, principal.org_id, register.code)
        if errors := rules.rule_spec_errors(
            data.rules, valid_from=data.valid_from, latest_valid_from=latest
        ):
            raise RuleViolation("The rule set is not consistent.", errors=errors)
        return await repository.add_rule_set(conn, principal.org_id, register.code, data)
