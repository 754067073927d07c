"""The one place a service app is assembled: every service gets the same kit."""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, Request, Response, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.plugins.prometheus import PrometheusConfig
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler

from .auth import Verifier, authentication_middleware
from .conditional import ConditionalMiddleware
from .db import RequestTransactionMiddleware, create_pool, is_recorded, request_transaction
from .etags import OWNED_CONN, RECORDED, operations_of, resource_lock
from .events import EventAccess, events_controller, running_relay
from .health import HEALTH_HANDLERS
from .http_metrics import HttpMetricsMiddleware
from .metrics import metrics_routes, metrics_served
from .migrations import head_revision, known_revisions
from .observability import RequestContextMiddleware, configure_logging
from .openapi import StrictStructSchemaPlugin, contract, openapi_config
from .policy import TENANT, Policy
from .policy_guard import PolicyGuard, check
from .principal import Principal
from .privacy.processing_log import read_mode
from .privacy.retention import WEBHOOKS as RETENTION_WEBHOOKS
from .privacy.retention import Rule, rules_of
from .privacy.routes import privacy_router
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


REQUEST_CONN = "kring.request_conn"
"""The scope state key of the request's connection, for the ``conn`` dependency."""


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_conn(
    request: Request[Principal, Any, Any], principal: NamedDependency[Principal]
) -> asyncpg.Connection:
    """One connection and one transaction per request, scoped to the caller's tenant: begun
    once the request is admitted (:func:`_begin`), ended when the handler returns
    (:func:`_ended`) or raises (:func:`_failed`), by the request's end at the latest
    (``db.RequestTransactionMiddleware``).

    A plain function that hands the connection over: a generator dependency would cost each
    request Litestar's clean-up group. It takes the principal so that Litestar resolves the
    two one after the other: two independent dependencies are resolved concurrently, in an
    anyio task group per request.
    """
    return request.scope["state"][REQUEST_CONN]


def _dependencies() -> dict[str, Provide]:
    """The kit's dependencies, made for each app: Litestar keeps in a ``Provide`` what it
    learnt of its function's signature in the first app that used it (the ``Principal`` of
    that service's signature namespace)."""
    return {
        "principal": Provide(provide_principal, sync_to_thread=False),
        "conn": Provide(provide_conn, sync_to_thread=False),
    }


async def _begin(request: Request[Principal, Any, Any]) -> None:
    """The transaction of a request whose handler takes ``conn``, begun before the handler runs;
    an idempotent or conditional request's is the one ``kit.conditional`` holds."""
    state_of_request = request.scope["state"]
    if (owned := state_of_request.get(OWNED_CONN)) is not None:
        state_of_request[REQUEST_CONN] = owned
        return
    held = request_transaction()
    assert held is not None, "RequestTransactionMiddleware gives every request its transaction"
    org_id = request.user.org_id
    # A GET declared a logged read writes its processing log entry (kit.privacy).
    readonly, begin = read_mode(request.method, request.route_handler.opt)
    lock = resource_lock(request.scope, org_id)
    state = request.app.state
    state_of_request[REQUEST_CONN] = await held.begin(
        state.pool, gate=state.gate, org_id=org_id, readonly=readonly, also=lock + begin
    )


async def _ended(response: Response[Any]) -> Response[Any]:
    """The ``after_request`` hook: the handler returned, so its transaction commits now,
    before Litestar renders the answer (it would otherwise hold the connection, idle in
    transaction, while encoding, and commit after); an error of the commit is the answer."""
    if (held := request_transaction()) is not None:
        await held.end()
    return response


async def _failed(error: Exception, scope: Any) -> None:
    """The ``after_exception`` hook: the handler (or its answer) raised, so its transaction
    ends before the error is answered: rolled back, or committed when the error is a refusal
    it records (``errors.recording``), which an idempotent or conditional request's
    transaction is told to commit (``kit.conditional``)."""
    if (held := request_transaction()) is not None:
        await held.end(error)
    state_of_request = scope.get("state", {})
    if OWNED_CONN in state_of_request and is_recorded(error):
        state_of_request[RECORDED] = True


def _takes_conn(app: Litestar) -> frozenset[Any]:
    """The route handlers that take the request's connection, directly or through another
    dependency: the requests whose transaction :func:`_begin` begins."""
    handlers = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, kwargs in route.route_handler_map.values():
            if any(dep.key == "conn" for batch in kwargs.dependency_batches for dep in batch):
                handlers.add(handler)
    return frozenset(handlers)


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
    settings: Settings,
    *,
    schema: str,
    events: EventAccess | None,
    principal_type: type[Principal],
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The pool for the app's lifetime, the metrics' own port when they have one and, for a
    service with ``events``, the relay (each subscriber receiving what the events' scope lets
    it see, read as a ``principal_type``)."""
    seen: Seen | None = seen_by(events.scope, principal_type) if events else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.pool = await create_pool(settings, schema=schema)
        app.state.gate = asyncio.Semaphore(settings.db_pool_max)  # see RequestTransaction
        try:
            with metrics_served(settings):
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
    principal_type: type[Principal],
    policy: Policy,
) -> list[Any]:
    """Metrics, then authentication (a token keeps only the roles ``policy`` knows), then
    retries and concurrent edits (``kit.conditional``), then the request's transaction."""
    prometheus = PrometheusConfig(
        app_name=f"kring_{settings.service}",
        prefix="kring",
        group_path=True,
        middleware_class=HttpMetricsMiddleware,  # the same metrics, cheaper per request
    )
    verifier = Verifier(settings, principal_type=principal_type, roles=frozenset(policy.roles))
    return [
        prometheus.middleware,
        authentication_middleware(verifier, exclude=PUBLIC_PATHS, limiter=limiter),
        ConditionalMiddleware,
        RequestTransactionMiddleware,
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


def _event_routes(
    events: EventAccess | None, state: State, policy: Policy
) -> list[ControllerRouterHandler]:
    """A producer's event feed and delivery log, and ``/v1/webhook-subscriptions`` to the
    types its contract documents (``state.webhooks``; ``kit.subscriptions``), whose operators
    are the roles the policy gives the tenant's subscriptions."""
    if events is None:
        return []
    subscriptions = subscriptions_router(
        catalogue=list(state.webhooks),
        allow_loopback=state.settings.webhook_allow_loopback,
        operators=policy.holding("listWebhookSubscriptions", TENANT),
    )
    return [events_controller(events), subscriptions]


def _privacy_routes(retention: Sequence[Rule], state: State, policy: Policy) -> Router:
    """``/v1/processing-log`` and ``/v1/retention-settings`` (``kit.privacy``): the whole log
    for the roles the policy gives the tenant's scope; the rules retained, the kit's and the
    service's, kept in ``state.retention`` for the retention job."""
    state.retention = rules_of(retention)
    return privacy_router(state.retention, everyone=policy.holding("listProcessingLog", TENANT))


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
    policy: Policy,
    signature_namespace: dict[str, Any] | None = None,
    events: EventAccess | None = None,
    webhooks: Mapping[str, type[msgspec.Struct]] | None = None,
    retention: Sequence[Rule] = (),
) -> Litestar:
    """``principal_type`` and ``policy`` are the service's own declaration of who may call it
    (its roles, and which operations each may call on which rows: ``kit.policy``); with
    ``events`` (what of each event a reader sees) the app serves its event feed and runs the
    relay; ``webhooks`` documents the events the service sends (type to data Struct) in its
    contract; ``retention`` is what the service retains besides the kit's own records
    (``kit.privacy.retention``: the settings it serves, the job it runs)."""
    configure_logging(service=settings.service, fmt=settings.log_format, level=settings.log_level)
    if events is not None:  # and the relay's (``subscription.disabled``) and the retention job's
        webhooks = {**(webhooks or {}), **RELAY_WEBHOOKS, **RETENTION_WEBHOOKS}
    state = _state(settings, schema=schema, migrations=migrations, webhooks=webhooks)
    before_work = _before_work(policy)
    app = Litestar(
        route_handlers=[
            *HEALTH_HANDLERS,
            *metrics_routes(settings),
            contract_route(contract),
            *_event_routes(events, state, policy),
            _privacy_routes(retention, state, policy),
            *route_handlers,
        ],
        lifespan=[_lifespan(settings, schema=schema, events=events, principal_type=principal_type)],
        state=state,
        dependencies=_dependencies(),
        middleware=_middleware(settings, state.limiter, principal_type, policy),
        before_request=before_work,
        after_request=_ended,
        after_exception=[_failed],
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
    app.state.policy = policy
    _checked(app, policy, before_work)
    _wrap_outermost(app, settings, version=version)
    return app


def served(app: Litestar) -> Litestar:
    """The app as ``kring serve`` runs it: what building it allocated (routes, handlers, the
    contract, the Structs' types) frozen out of the cyclic collector's way, as ``tune_gc``
    froze the modules before it; a full collection then walks a request's garbage only."""
    gc.collect()
    gc.freeze()
    return app


def _before_work(policy: Policy) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """Each request's checks before any work, in order: its caller against the operation's
    policy (``kit.policy_guard``), then its parameters and body (``kit.strict``); then, for a
    handler that takes ``conn``, its transaction."""
    admitted, strict = PolicyGuard(policy), strict_parameters()

    async def before_work(request: Request[Any, Any, Any]) -> None:
        await admitted(request, request.route_handler)
        await strict(request)
        if request.route_handler in request.app.state.takes_conn:
            await _begin(request)

    return before_work


def _checked(
    app: Litestar, policy: Policy, before_work: Callable[[Request[Any, Any, Any]], Any]
) -> None:
    """What the kit reads of the built app at start; an operation its policy does not declare
    (``kit.policy_guard.check``), or a body type the kit cannot decode strictly, fails the start."""
    check(policy, app, public_paths=PUBLIC_PATHS, before_work=before_work)
    _repair_options_allow(app)
    app.state.operations = operations_of(app)
    app.state.takes_conn = _takes_conn(app)
    routes_of(app)
