"""PostgreSQL access: one asyncpg pool per service, one transaction per request.

The pool is opened in the app's lifespan. Each connection takes the service's
role (when configured) and its schema as ``search_path``. A request's transaction
sets the tenant (``app.org_id``) for row-level security in the same round trip
as ``BEGIN``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from litestar.di import NamedDependency

from .errors import NotFound
from .settings import Settings

Connection = asyncpg.Connection
Pool = asyncpg.Pool
Conn = NamedDependency[asyncpg.Connection]
"""A handler's ``conn`` parameter: the request's connection, inside its transaction."""


async def one(conn: asyncpg.Connection, query: str, *args: object, missing: str) -> asyncpg.Record:
    """The row ``query`` finds, or :class:`NotFound` whose detail is ``missing``."""
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise NotFound(missing)
    return row


def upserted_values(row: asyncpg.Record) -> tuple[dict[str, Any], bool]:
    """An upsert's ``RETURNING …, (xmax = 0) AS inserted`` row: its values, and whether the
    statement inserted it (rather than updated it)."""
    values = dict(row)
    return values, bool(values.pop("inserted"))


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _init_connection(conn: asyncpg.Connection, *, role: str | None) -> None:
    if role:
        await conn.execute(f"SET ROLE {quote_ident(role)}")
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: msgspec.json.encode(value).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection returns to the pool.

    asyncpg rolls back an open transaction before this runs. Every other piece of session
    state is meant to last: the role and codecs from ``init``, the prepared statements. The
    tenant is transaction-local (``set_config(..., true)``) and no route listens, locks or
    opens cursors outside a transaction, so asyncpg's default reset (``RESET ALL``,
    ``CLOSE ALL``, ``UNLISTEN *``, unlocking advisory locks) would cost one round trip per
    request and change nothing.
    """


async def create_pool(settings: Settings, *, schema: str) -> asyncpg.Pool:
    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn, role=settings.database_role)

    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init,
        reset=_keep_session,
        server_settings={"search_path": schema, "application_name": f"kring-{settings.service}"},
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(
    pool: asyncpg.Pool, *, org_id: uuid.UUID | None, readonly: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    """Acquire a connection and run one transaction, scoped to a tenant when ``org_id`` is given."""
    begin = "BEGIN READ ONLY" if readonly else "BEGIN"
    if org_id is not None:
        # org_id is a uuid.UUID, so its text form is safe to inline; one round trip.
        begin += f"; SELECT set_config('app.org_id', '{uuid.UUID(str(org_id))}', true)"
    async with pool.acquire() as conn:
        await conn.execute(begin)
        try:
            yield conn
        except BaseException:
            if not conn.is_closed():
                await conn.execute("ROLLBACK")
            raise
        else:
            await conn.execute("COMMIT")
