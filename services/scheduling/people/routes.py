from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.errors import NotFound
from services.kit.openapi import problems, upsert_responses, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..organisations.schemas import ExternalIdPath
from ..principal import Principal
from . import repository, rules
from .schemas import PeopleBatchIn, PeopleBatchResult, Person, PersonIn, PersonPage


def _check_readable(principal: Principal, person: Person) -> Person:
    if not rules.may_read(principal, person_id=person.id, employer_id=person.employer_id):
        raise NotFound(f"No person {person.id}.")
    return person


class PeopleController(Controller):
    path = "/v1/people"
    tags = ("people",)

    @put(
        "/by-external-id/{external_id:str}",
        operation_id="upsertPerson",
        guards=[requires("admin", "hr")],
        status_code=HTTP_200_OK,
        responses=upsert_responses(Person, 422),
    )
    async def upsert(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
        data: JSONBody[PersonIn],
    ) -> Response[Person]:
        """Create or update a person by the HR system's own id (idempotent)."""
        employer_id = rules.employer_to_write(principal, data.employer_id)
        rules.check_registrations(data.registrations)
        person, created = await repository.upsert(
            conn,
            principal.org_id,
            external_id,
            data,
            employer_id=employer_id,
            confined_to=rules.confined_to(principal),
        )
        return upserted(person, created)

    @post(
        "/batch",
        operation_id="upsertPeople",
        guards=[requires("admin", "hr")],
        status_code=HTTP_200_OK,
        responses=problems(413, 415, 422),
    )
    async def upsert_batch(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        data: JSONBody[PeopleBatchIn],
    ) -> PeopleBatchResult:
        """Create or update up to 500 people by the HR system's own ids: all of them or none.

        Each item follows the rules of `upsertPerson`; an external id appears once per batch,
        and an HR client updates only its own organisation's people. A refused batch stores
        nothing and names every refused item in `errors[].field` (`body.items[3].manager_id`):
        403 when one is another organisation's, else 422 when a rule is broken, else 404 for
        an unknown employer or manager. The answer gives each item's outcome in request order:
        `created`, `updated` (its fields or its registrations changed) or `unchanged`.
        """
        own = rules.confined_to(principal)
        employer_ids, errors = rules.batch_employers(own, data.items)
        findings = await repository.batch_findings(
            conn, principal.org_id, data.items, employer_ids, confined_to=own
        )
        rules.refuse_batch(
            [*errors, *rules.batch_errors(data.items), *rules.finding_errors(findings)]
        )
        return await repository.upsert_batch(conn, principal.org_id, data.items, employer_ids)

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getPersonByExternalId",
        guards=[requires("admin", "hr", "facilitator", "participant")],
        responses=problems(),
    )
    async def get_by_external_id(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        external_id: ExternalIdPath,
    ) -> Person:
        """One person, by the HR system's own id."""
        return _check_readable(
            principal, await repository.get_by_external_id(conn, principal.org_id, external_id)
        )

    @get(
        "/{person_id:uuid}",
        operation_id="getPerson",
        guards=[requires("admin", "hr", "facilitator", "participant")],
        responses=problems(),
    )
    async def get_one(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        person_id: FromPath[uuid.UUID],
    ) -> Person:
        """One person."""
        return _check_readable(principal, await repository.get(conn, principal.org_id, person_id))

    @get(
        "/",
        operation_id="listPeople",
        guards=[requires("admin", "hr", "facilitator")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        employer_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> PersonPage:
        """People in creation order, a page at a time; optionally of one employer."""
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            employer_id=rules.employer_filter(principal, employer_id),
        )
        return PersonPage(
            items=items[:limit], next_cursor=next_cursor([item.id for item in items], limit)
        )
