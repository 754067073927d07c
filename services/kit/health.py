"""``/health/live``: the process answers. ``/health/ready``: database reachable, schema at head."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE


class Health(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: str
    database: str | None = None
    migration: str | None = None
    expected_migration: str | None = None


@get("/health/live", exclude_from_auth=True, include_in_schema=False, sync_to_thread=False)
def live() -> Health:
    return Health(status="ok")


@get("/health/ready", exclude_from_auth=True, include_in_schema=False)
async def ready(state: State) -> Response[Health]:
    pool: asyncpg.Pool = state.pool
    schema: str = state.schema
    expected: str | None = state.head_revision
    known: frozenset[str] = state.known_revisions
    try:
        async with asyncio.timeout(2.0), pool.acquire() as conn:
            current = await conn.fetchval(f'SELECT version_num FROM "{schema}".alembic_version')
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        body = Health(status="unavailable", database=type(exc).__name__)
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if current != expected and (current is None or current in known):
        # Behind this release's head: wait for the migration job.
        body = Health(
            status="migrating", database="ok", migration=current, expected_migration=expected
        )
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    # At head, or ahead of it: a revision this release does not know is the next release's,
    # compatible for one release (ADR 0001), so an old pod keeps serving during a rollout.
    return Response(
        Health(status="ok", database="ok", migration=current, expected_migration=expected),
        status_code=HTTP_200_OK,
    )


HEALTH_HANDLERS = [live, ready]
