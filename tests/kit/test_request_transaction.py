"""A request cancelled while its handler runs still ends its transaction: rolled back, its
connection back in the pool and its turn at the pool's gate let go
(``db.RequestTransactionMiddleware``), so a server that cancels requests keeps serving."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest
from litestar import get

from services.cli import service_module
from services.kit.app import create_service_app
from services.kit.db import Conn
from services.kit.principal import Principal
from tests.kit.support import admin_policy

LOCK = 7_351_202_612
"""The advisory lock the hanging handler's transaction takes."""
STARTED = asyncio.Event()


@get("/v1/hanging", operation_id="getHanging")
async def hang(conn: Conn) -> None:
    await conn.execute(f"SELECT pg_advisory_xact_lock({LOCK})")
    STARTED.set()
    await asyncio.Event().wait()


@get("/v1/one", operation_id="getOne")
async def one(conn: Conn) -> dict[str, int]:
    return {"one": await conn.fetchval("SELECT 1")}


def _probe(settings_for: Any, principal_type: type[Principal]) -> Any:
    """A scheduling-like app of the two routes, with a pool of two, read as ``principal_type``."""
    config = service_module("scheduling", "config")
    return create_service_app(
        settings_for("scheduling", db_pool_min=1, db_pool_max=2),
        schema=config.SCHEMA,
        title="probe",
        version="0",
        description="A route that hangs in its transaction, and one that answers.",
        port=0,
        route_handlers=[hang, one],
        migrations=config.MIGRATIONS,
        principal_type=principal_type,
        policy=admin_policy("getHanging", "getOne"),
    )


async def _get(app: Any, path: str, headers: dict[str, str]) -> int:
    """One GET through the app's ASGI interface, as a server calls it; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def _lock_free(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval(f"SELECT pg_try_advisory_lock({LOCK})"))
    finally:
        await conn.close()


async def test_a_cancelled_request_ends_its_transaction(
    database_url: str, settings_for: Any, token_for: Any
) -> None:
    app = _probe(settings_for, Principal)
    auth = token_for(uuid.uuid4())
    async with app.lifespan():
        STARTED.clear()
        hanging = asyncio.create_task(_get(app, "/v1/hanging", auth))
        async with asyncio.timeout(10):
            await STARTED.wait()
        assert not await _lock_free(database_url), "the hanging request holds its transaction"
        hanging.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hanging

        assert await _lock_free(database_url), "its transaction ended with it"
        assert app.state.gate._value == 2, "its turn at the pool's gate was let go"
        assert app.state.pool.get_idle_size() == app.state.pool.get_size()
        for _ in range(3):  # more requests than the pool has connections, one after the other
            assert await _get(app, "/v1/one", auth) == 200


class OtherPrincipal(Principal, frozen=True):
    """Another service's principal type, with a claim of its own."""

    team: str | None = None


async def test_apps_of_different_principals_each_hand_their_own_over(
    settings_for: Any, token_for: Any
) -> None:
    """The kit's dependencies are made per app: one app's principal type does not become the
    next one's (Litestar keeps what it learnt of a provider's signature in the provider)."""
    apps = [_probe(settings_for, principal) for principal in (OtherPrincipal, Principal)]
    auth = token_for(uuid.uuid4())
    for app in reversed(apps):
        async with app.lifespan():
            assert await _get(app, "/v1/one", auth) == 200
