"""Clients for calling other services: timeouts set, correlation passed on."""

from __future__ import annotations

import httpx
from litestar import Litestar

from .observability import outgoing_headers


async def _propagate(request: httpx.Request) -> None:
    for name, value in outgoing_headers().items():
        request.headers.setdefault(name, value)


def service_client(
    base_url: str, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """One client per target service, built in the lifespan; every request carries the caller's
    ``x-request-id`` and a ``traceparent`` that continues its trace."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
        event_hooks={"request": [_propagate]},
        transport=transport,
    )


def install_client(
    app: Litestar,
    name: str,
    base_url: str,
    *,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """``app.state[name]``: a :func:`service_client` of ``base_url`` from the app's startup to
    its shutdown; ``None`` without ``base_url`` (the service is not configured)."""

    def start(app: Litestar) -> None:
        app.state[name] = (
            service_client(base_url, timeout=timeout, transport=transport) if base_url else None
        )

    async def stop(app: Litestar) -> None:
        if app.state.get(name) is not None:
            await app.state[name].aclose()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
