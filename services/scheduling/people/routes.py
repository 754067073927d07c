from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems, upserted
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.params import ExternalIdPath
from services.kit.routes import action, upsert

from ..principal import Principal
from . import service
from .schemas import PeopleBatchIn, PeopleBatchResult, Person, PersonIn, PersonPage

Me = NamedDependency[Principal]


class PeopleController(Controller):
    path = "/v1/people"
    tags = ("people",)

    @upsert(
        Person,
        "/by-external-id/{external_id:str}",
        operation_id="upsertPerson",
        opt=links(
            link("getPerson", person_id="id"),
            link("getPersonByExternalId", external_id="$request.path.external_id"),
            link("upsertFacilitator", person_id="id"),
            link("getPersonCalendar", person_id="id"),
            link("issuePersonCalendarFeed", person_id="id"),
        ),
        rules=("manager_cycle", "registration_number", "bsn", "unique_register", "erased"),
    )
    async def upsert(
        self,
        conn: Conn,
        principal: Me,
        external_id: ExternalIdPath,
        data: JSONBody[PersonIn],
    ) -> Response[Person]:
        """Create or update a person by the HR system's own id (idempotent).

        A register appears once, each with a number its register can hold (rule
        `registration_number`, 422) that is not a BSN (nine digits passing the elfproef, rule
        `bsn`, 422: Kring never stores one). When a stored person's fields or registrations change,
        the `person.updated` event announces their name and registrations. The id of a person
        Kring erased (or an erased person's `erased-…` id) is refused, 422 with rule `erased` on
        `path.external_id`: nobody is created, and `person.resync_refused` names the request (once
        a day at most per id), so that the HR system drops the person from its sync.
        """
        return upserted(*await service.upsert(conn, principal, external_id, data))

    @action(
        "/batch",
        operation_id="upsertPeople",
        errors=(413, 415),
        rules=(
            "manager_cycle",
            "registration_number",
            "bsn",
            "unique_register",
            "unique_in_batch",
            "exists",
            "erased",
        ),
    )
    async def upsert_batch(
        self, conn: Conn, principal: Me, data: JSONBody[PeopleBatchIn]
    ) -> PeopleBatchResult:
        """Create or update up to 500 people by the HR system's own ids: all of them or none.

        Each item follows the rules of `upsertPerson`; an external id appears once per batch,
        and an HR client updates only its own organisation's people. A refused batch stores
        nothing and names every refused item in `errors[].field` (`body.items[3].manager_id`):
        403 when one is another organisation's, else 422 when a rule is broken, else 404 for
        an unknown employer or manager. The answer gives each item's outcome in request order:
        `created`, `updated` (its fields or its registrations changed) or `unchanged`; each
        `updated` person is announced by a `person.updated` event. An item with the id of a
        person Kring erased is refused like any other (422, rule `erased`, on
        `body.items[3].external_id`), and each such item is announced by
        `person.resync_refused` (once a day at most per id): the HR system drops them and
        sends the batch again.
        """
        return await service.upsert_batch(conn, principal, data.items)

    @get(
        "/by-external-id/{external_id:str}",
        operation_id="getPersonByExternalId",
        responses=problems(),
    )
    async def get_by_external_id(
        self, conn: Conn, principal: Me, external_id: ExternalIdPath
    ) -> Person:
        """One person, by the HR system's own id."""
        return await service.get_by_external_id(conn, principal, external_id)

    @get("/{person_id:uuid}", operation_id="getPerson", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, person_id: FromPath[uuid.UUID]) -> Person:
        """One person."""
        return await service.get(conn, principal, person_id)

    @get("/", operation_id="listPeople", responses=problems())
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        employer_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> PersonPage:
        """People in creation order, a page at a time; optionally of one employer."""
        return await service.page(conn, principal, keyset(cursor, limit), employer_id=employer_id)
