"""Client organisations' use cases: each runs on the caller's connection, narrowed to what the
principal may see (``rules.py``), SQL from ``repository.py``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, page_of

from ..principal import Principal
from . import repository, rules
from .schemas import ClientOrganisation, ClientOrganisationIn, ClientOrganisationPage


async def upsert(
    conn: asyncpg.Connection,
    principal: Principal,
    external_id: str,
    data: ClientOrganisationIn,
) -> tuple[ClientOrganisation, bool]:
    """The organisation and whether it was created."""
    return await repository.upsert(conn, principal.org_id, external_id, data)


def _visible(principal: Principal, organisation: ClientOrganisation) -> ClientOrganisation:
    only = rules.visible_organisation(principal)
    if only is not None and organisation.id != only:
        raise NotFound(f"No client organisation {organisation.id}.")
    return organisation


async def get(
    conn: asyncpg.Connection, principal: Principal, organisation_id: uuid.UUID
) -> ClientOrganisation:
    return _visible(principal, await repository.get(conn, principal.org_id, organisation_id))


async def get_by_external_id(
    conn: asyncpg.Connection, principal: Principal, external_id: str
) -> ClientOrganisation:
    organisation = await repository.get_by_external_id(conn, principal.org_id, external_id)
    return _visible(principal, organisation)


async def page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset
) -> ClientOrganisationPage:
    only = rules.visible_organisation(principal)
    items = await repository.page(conn, principal.org_id, asked, only=only)
    return page_of(ClientOrganisationPage, items, asked.limit)
