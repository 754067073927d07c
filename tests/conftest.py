"""Shared fixtures: a fresh database on a real PostgreSQL, signing keys, tokens, in-process apps.

The database is the embedded PostgreSQL unless ``DATABASE_URL`` is set; either
way each test run gets a database of its own, migrated to head and dropped at
the end. Tests isolate themselves by tenant: every test gets a new ``org``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.cli import STATE_DIR, migrate, service_module, with_database
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from services.kit.migrations import app_role
from services.kit.settings import Settings

ISSUER = "kring-test"
AUDIENCE = "kring"


def _server_url() -> str:
    if url := os.environ.get("DATABASE_URL"):
        return url
    from services.kit import devdb

    return devdb.database_url(devdb.start(STATE_DIR / "pgdata"))


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new database, migrated to head for every service; dropped after the run."""
    server = _server_url()
    name = f"kring_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = with_database(server, name)
    try:
        migrate(url)
        yield url
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def dev_key() -> DevKey:
    return DevKey.generate()


@pytest.fixture(scope="session")
def settings_for(database_url: str, dev_key: DevKey) -> Callable[..., Settings]:
    def build(service: str, **overrides: Any) -> Settings:
        config = service_module(service, "config")
        values: dict[str, Any] = {
            "database_url": database_url,
            "database_role": app_role(config.SCHEMA),
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "jwt_jwks": dev_key.jwks(),
            "db_pool_min": 1,
            "db_pool_max": 5,
            "log_format": "json",
            "log_level": "warning",
        }
        values.update(overrides)
        return config.load_settings({}, **values)

    return build


@pytest.fixture
def org() -> uuid.UUID:
    """A new tenant for each test: tests never see each other's rows."""
    return uuid.uuid4()


Token = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def token_for(dev_key: DevKey) -> Callable[..., dict[str, str]]:
    def make(
        org: uuid.UUID, *roles: str, key: DevKey | None = None, ttl: int = 600, **claims: Any
    ) -> dict[str, str]:
        signer = key or dev_key
        token = mint_token(
            signer.private_key,
            kid=signer.kid,
            issuer=ISSUER,
            audience=AUDIENCE,
            org_id=org,
            subject=claims.pop("subject", "test"),
            roles=roles or ("admin",),
            ttl_seconds=ttl,
            **claims,
        )
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def auth(org: uuid.UUID, token_for: Callable[..., dict[str, str]]) -> Token:
    """Headers with a token of this test's tenant: ``auth("hr", client_org=...)``."""

    def make(*roles: str, **claims: Any) -> dict[str, str]:
        return token_for(org, *roles, **claims)

    return make


async def _client(settings: Settings, service: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process over ASGI; its lifespan runs in one task of its own, start to end."""
    app = service_module(service, "app").create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await started.wait()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{service}") as client:
            yield client
    finally:
        stop.set()
        await lifespan


def _service_fixture(service: str) -> Any:
    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def client(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
        async for c in _client(settings_for(service), service):
            yield c

    return client


scheduling = _service_fixture("scheduling")
accreditation = _service_fixture("accreditation")
invoicing = _service_fixture("invoicing")
