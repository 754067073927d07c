"""Shared fixtures: a fresh database on a real PostgreSQL, signing keys, tokens, in-process apps.

The database is the embedded PostgreSQL unless ``DATABASE_URL`` is set; either
way each test process gets a database of its own, migrated to head and dropped at
the end (``tests/database.py``; under pytest-xdist, one per worker). Tests isolate
themselves by tenant: every test gets a new ``org``.

Tests are classified here by path, so a file moved into a folder keeps its class:
``slow`` marks the tests that start processes or run a heavy suite (``make
test-fast`` leaves them out), and ``ONE_WORKER`` keeps a folder (or a file) on one xdist
worker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from services.cli import service_module
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from services.kit.migrations import app_role
from services.kit.settings import Settings
from tests import database
from tests.contracts import check_refusal

pytest_plugins = ["tests.watchdog"]

ISSUER = "kring-test"
AUDIENCE = "kring"

TESTS = Path(__file__).parent
# Tests that start processes (flow, deploy, a PostgreSQL of their own) or run a heavy suite
# (bench, schemathesis).
SLOW = ("flow/", "deploy/", "bench/", "contract/test_schemathesis.py", "kit/relay/test_restart.py")
# One worker each under xdist (--dist loadgroup): the deploy tests start the services on
# the ports their manifests name and share their rendered overlays and scans; the flow
# tests share one running platform; schemathesis' tests share one too, and its last test
# reads what every other one was answered.
ONE_WORKER = {
    "deploy/": "deploy",
    "flow/": "flow",
    "contract/test_schemathesis.py": "schemathesis",
}
SHARED = pytest.StashKey[dict[str, str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(TESTS).as_posix()
        if path.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
        for prefix, group in ONE_WORKER.items():
            if path.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """In xdist's controller, for each worker: the server and the migrated template to copy."""
    shared = node.config.stash.get(SHARED, None)
    if shared is None:
        server = database.server_url()
        shared = {"server": server, "template": database.create(server)}
        node.config.stash[SHARED] = shared
    node.workerinput["kring_database"] = shared


def pytest_unconfigure(config: pytest.Config) -> None:
    if shared := config.stash.get(SHARED, None):
        database.drop(shared["server"], shared["template"])


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new database, migrated to head for every service; dropped after the run."""
    with database.fresh(request.config) as url:
        yield url


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


@asynccontextmanager
async def _running(app: Litestar) -> AsyncIterator[Litestar]:
    """The app with its lifespan running in one task of its own, start to end."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await until_started(lifespan, started)
    try:
        yield app
    finally:
        stop.set()
        await lifespan


async def until_started(lifespan: asyncio.Task[None], started: asyncio.Event) -> None:
    """Wait for ``started``, or for ``lifespan`` to end first: a start-up that fails (a port
    taken, the database away) raises its error here, where waiting for ``started`` alone
    waited for ever (a test run stuck at 98 %)."""
    ready = asyncio.ensure_future(started.wait())
    await asyncio.wait({lifespan, ready}, return_when=asyncio.FIRST_COMPLETED)
    if started.is_set():
        return
    ready.cancel()
    await lifespan  # raises the start-up's error
    raise RuntimeError("the app's lifespan ended before it started")


async def _over_asgi(
    app: Litestar, service: str, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` whose 422s must name only rules the contract lists there."""
    transport = httpx.ASGITransport(app=app)
    hooks = {"response": [check_refusal]}
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://{service}", event_hooks=hooks, **options
    ) as client:
        yield client


async def _client(
    settings: Settings, service: str, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process over ASGI; ``options`` are the test client's (``mounts``)."""
    async with _running(service_module(service, "app").create_app(settings)) as app:
        async for client in _over_asgi(app, service, **options):
            yield client


SCHEDULING_URL = "http://scheduling"
"""Where in-process invoicing, and a test's client of it, reach the scheduling beside them."""


def scheduling_mounts(scheduling: Litestar) -> dict[str, httpx.AsyncBaseTransport]:
    """A client's way to the in-process scheduling at :data:`SCHEDULING_URL`."""
    return {SCHEDULING_URL: httpx.ASGITransport(app=scheduling)}


async def invoicing_client(
    settings_for: Callable[..., Settings], scheduling: Litestar, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing in-process, asking the in-process ``scheduling`` (the same database, over
    ASGI: the real app, not a stand-in) whether a cost sheet's session exists. The client
    reaches that scheduling too, at :data:`SCHEDULING_URL`, to make the sessions."""
    settings = settings_for("invoicing", scheduling_url=SCHEDULING_URL, **overrides)
    (to_scheduling,) = scheduling_mounts(scheduling).values()
    app = service_module("invoicing", "app").create_app(settings, scheduling=to_scheduling)
    async with _running(app):
        async for client in _over_asgi(app, "invoicing", mounts=scheduling_mounts(scheduling)):
            yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def scheduling_app(settings_for: Callable[..., Settings]) -> AsyncIterator[Litestar]:
    """Scheduling's app in-process, started: the ``scheduling`` fixture's, and the one the
    in-process invoicing asks."""
    app = service_module("scheduling", "app").create_app(settings_for("scheduling"))
    async with _running(app):
        yield app


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def scheduling(scheduling_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _over_asgi(scheduling_app, "scheduling"):
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def accreditation(
    settings_for: Callable[..., Settings],
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(settings_for("accreditation"), "accreditation"):
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def invoicing(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in invoicing_client(settings_for, scheduling_app):
        yield client
