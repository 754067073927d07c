"""``/health/live``: the process answers. ``/health/ready``: database reachable, schema at head.

Both are open without a token, so they say no more than a probe needs: a status, and for
readiness whether the database answered. Which revisions the schema is at and this release
expects are the operators' (ADR 0082): the metric ``kring_schema_info{schema, revision,
expected}`` (on the metrics' port in the manifests) and the log line of a probe that fails.
"""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import structlog
from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import Info

log = structlog.get_logger("kring.health")

SCHEMA_REVISION = Info(
    "kring_schema",
    "The schema's migration revision in the database, and the one this release expects.",
    ["schema"],
)


class Health(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: str
    database: str | None = None


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
        log.warning("not_ready", reason="database", error=type(exc).__name__)
        body = Health(status="unavailable", database="unavailable")
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    SCHEMA_REVISION.labels(schema=schema).info(
        {"revision": current or "", "expected": expected or ""}
    )
    if current != expected and (current is None or current in known):
        # Behind this release's head: wait for the migration job.
        log.warning("not_ready", reason="migrating", migration=current, expected=expected)
        body = Health(status="migrating", database="ok")
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    # At head, or ahead of it: a revision this release does not know is the next release's,
    # compatible for one release (ADR 0001), so an old pod keeps serving during a rollout.
    return Response(Health(status="ok", database="ok"), status_code=HTTP_200_OK)


HEALTH_HANDLERS = [live, ready]
