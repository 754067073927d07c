"""The one place a service app is assembled: every service gets the same kit."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler

from .auth import Verifier, authentication_middleware, check_guards
from .conditional import ConditionalMiddleware
from .db import create_pool, transaction
from .etags import OWNED_CONN, operations_of, resource_lock
from .events import EventAccess, events_controller, running_relay
from .health import HEALTH_HANDLERS
from .migrations import head_revision, known_revisions
from .observability import RequestContextMiddleware, configure_logging
from .openapi import StrictStructSchemaPlugin, contract, openapi_config
from .principal import Principal
from .problems import EXCEPTION_HANDLERS
from .published import CONTRACT_PATH, contract_route
from .ratelimit import Limiter, limiter_of
from .relay import WEBHOOKS as RELAY_WEBHOOKS
from .relay import Seen
from .settings import Settings
from .strict import StrictRequest, routes_of, strict_parameters
from .subscriptions.routes import subscriptions_router
from .subscriptions.service import seen_by

PUBLIC_PATHS = ["^/health/", "^/metrics", "^/docs", "^/internal/", f"^{re.escape(CONTRACT_PATH)}$"]
QUIET_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})
CACHEABLE_PATHS = ("/health/", "/metrics", "/docs", CONTRACT_PATH)
"""The answers that may be cached; every other one is the API's, and ``no-store``."""
EXPOSED_HEADERS = [
    "x-request-id",
    "traceparent",
    "retry-after",
    "location",
    "etag",
    "idempotent-replayed",
    "ratelimit",
    "ratelimit-policy",
    "api-version",
]
"""Response headers a browser app may read across origins (CORS)."""


class Metrics(PrometheusController):
    include_in_schema = False


async def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


async def provide_conn(
    request: Request[Principal, Any, Any], state: State, principal: NamedDependency[Principal]
) -> AsyncIterator[asyncpg.Connection]:
    """One connection and one transaction per request, scoped to the caller's tenant.

    It takes the principal so that Litestar resolves the two one after the other: two
    independent dependencies are resolved concurrently, in an anyio task group per request.
    """
    if (owned := request.scope["state"].get(OWNED_CONN)) is not None:
        yield owned  # the transaction of an idempotent or conditional request (kit.conditional)
        return
    readonly = request.method in {"GET", "HEAD"}
    lock = resource_lock(request.scope, principal.org_id)
    async with transaction(
        state.pool, org_id=principal.org_id, readonly=readonly, also=lock
    ) as conn:
        yield conn


def _repair_options_allow(app: Litestar) -> None:
    """Make the automatic ``OPTIONS`` answer list every method of its path.

    Litestar 2.x builds a path's OPTIONS handler with the first method registered
    for that path and keeps it when later methods are merged in, so ``Allow`` would
    miss them. Point each such handler at the merged method set.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler = route.route_handler_map["OPTIONS"][0]
        for cell in handler.fn.__closure__ or ():
            if isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents.methods = route.methods


def _lifespan(
    settings: Settings, *, schema: str, events: bool, seen: Seen | None = None
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The pool for the app's lifetime and, for a service with ``events``, the relay (each
    subscriber receiving what ``seen`` lets it see)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.pool = await create_pool(settings, schema=schema)
        try:
            if events:
                async with running_relay(
                    app.state.pool, schema=schema, settings=settings, seen=seen
                ):
                    yield
            else:
                yield
        finally:
            await app.state.pool.close()

    return lifespan


def _middleware(
    settings: Settings,
    limiter: Limiter | None,
    *,
    principal_type: type[Principal],
    roles: frozenset[str],
) -> list[Any]:
    prometheus = PrometheusConfig(
        app_name=f"kring_{settings.service}", prefix="kring", group_path=True
    )
    verifier = Verifier(settings, principal_type=principal_type, roles=roles)
    return [
        prometheus.middleware,
        authentication_middleware(verifier, exclude=PUBLIC_PATHS, limiter=limiter),
        ConditionalMiddleware,
    ]


def _state(
    settings: Settings,
    *,
    schema: str,
    migrations: Path,
    webhooks: Mapping[str, type[msgspec.Struct]] | None,
) -> State:
    return State(
        {
            "schema": schema,
            "head_revision": head_revision(migrations),
            "known_revisions": known_revisions(migrations),
            "settings": settings,
            "webhooks": dict(webhooks or {}),
            "limiter": limiter_of(settings),  # authentication's and kit.capabilities'
        }
    )


def _event_routes(events: EventAccess | None, state: State) -> list[ControllerRouterHandler]:
    """A producer's event feed and delivery log, and ``/v1/webhook-subscriptions`` to the
    types its contract documents (``state.webhooks``; ``kit.subscriptions``)."""
    if events is None:
        return []
    subscriptions = subscriptions_router(
        events,
        catalogue=list(state.webhooks),
        allow_loopback=state.settings.webhook_allow_loopback,
    )
    return [events_controller(events), subscriptions]


def _cors(settings: Settings) -> CORSConfig | None:
    """Cross-origin calls from ``KRING_CORS_ORIGINS`` (``*`` a wildcard: ``http://localhost:*``)."""
    if not settings.cors_origins:
        return None
    return CORSConfig(allow_origins=list(settings.cors_origins), expose_headers=EXPOSED_HEADERS)


def _wrap_outermost(app: Litestar, settings: Settings, *, version: str) -> None:
    """Outermost, so that unrouted requests (404, 405) and headers over the limit (431) carry a
    request id, the API's version and the security headers, and are logged too."""
    app.asgi_handler = RequestContextMiddleware(
        app.asgi_handler,
        quiet_paths=QUIET_PATHS,
        max_header_bytes=settings.max_header_bytes,
        cacheable=CACHEABLE_PATHS,
        version=version,
    )


def create_service_app(
    settings: Settings,
    *,
    schema: str,
    title: str,
    version: str,
    description: str,
    port: int,
    route_handlers: Sequence[ControllerRouterHandler],
    migrations: Path,
    principal_type: type[Principal],
    roles: frozenset[str],
    signature_namespace: dict[str, Any] | None = None,
    events: EventAccess | None = None,
    webhooks: Mapping[str, type[msgspec.Struct]] | None = None,
) -> Litestar:
    """``principal_type`` and ``roles`` are the service's own declaration of who may call it;
    with ``events`` (who reads the feed, who runs the delivery log) the app serves its event
    feed and runs the relay; ``webhooks`` documents the events the service sends (type to
    data Struct) in its contract."""
    configure_logging(service=settings.service, fmt=settings.log_format, level=settings.log_level)
    if events is not None:  # and the relay's own (``subscription.disabled``)
        webhooks = {**(webhooks or {}), **RELAY_WEBHOOKS}
    state = _state(settings, schema=schema, migrations=migrations, webhooks=webhooks)
    app = Litestar(
        route_handlers=[
            *HEALTH_HANDLERS,
            Metrics,
            contract_route(contract),
            *_event_routes(events, state),
            *route_handlers,
        ],
        lifespan=[
            _lifespan(
                settings,
                schema=schema,
                events=events is not None,
                seen=seen_by(events.scope, principal_type) if events else None,
            )
        ],
        state=state,
        dependencies={"principal": Provide(provide_principal), "conn": Provide(provide_conn)},
        middleware=_middleware(settings, state.limiter, principal_type=principal_type, roles=roles),
        before_request=strict_parameters(),
        request_class=StrictRequest,
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=openapi_config(
            title=title, version=version, description=description, port=port
        ),
        cors_config=_cors(settings),
        request_max_body_size=settings.max_body_bytes,
        signature_namespace={
            "Principal": principal_type,
            "Connection": asyncpg.Connection,
            **(signature_namespace or {}),
        },
        logging_config=None,
        debug=settings.debug,
    )
    _checked(app, roles)
    _wrap_outermost(app, settings, version=version)
    return app


def _checked(app: Litestar, roles: frozenset[str]) -> None:
    """What the kit reads of the built app at start; a guard naming an undeclared role, or a
    body type the kit cannot decode strictly, fails the start."""
    check_guards(
        (h for route in app.routes if isinstance(route, HTTPRoute) for h in route.route_handlers),
        roles,
    )
    _repair_options_allow(app)
    app.state.operations = operations_of(app)
    routes_of(app)
