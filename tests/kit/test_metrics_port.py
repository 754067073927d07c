"""``KRING_METRICS_PORT``: the metrics on a port of their own, and not on the API's."""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar

from services.accreditation.app import create_app
from services.kit.settings import Settings
from tests.conftest import _over_asgi, _running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def _on_a_free_port(
    settings_for: Callable[..., Settings],
) -> AsyncIterator[tuple[Litestar, int]]:
    """The app started with its metrics on a port found free; again on another when a socket
    of the run (a relay's, a receiver's) took that one between the probe and the bind."""
    for _ in range(5):
        port = free_port()
        app = create_app(settings_for("accreditation", metrics_port=port))
        running = _running(app)
        try:
            await running.__aenter__()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        try:
            yield app, port
        finally:
            await running.__aexit__(None, None, None)
        return
    raise AssertionError("no free port for the metrics in five tries")


async def test_metrics_on_a_port_of_their_own_are_not_on_the_apis(
    settings_for: Callable[..., Settings],
) -> None:
    async with _on_a_free_port(settings_for) as (app, port):
        async for api in _over_asgi(app, "accreditation"):
            assert (await api.get("/health/ready")).status_code == 200
            assert (await api.get("/metrics")).status_code == 404
            assert (await api.get("/v1/openapi.json")).status_code == 200, "stays public"
            assert (await api.get("/docs")).status_code in (200, 301, 302, 307, 308)
        async with httpx.AsyncClient() as outside:
            served = await outside.get(f"http://127.0.0.1:{port}/metrics")
        assert served.status_code == 200
        assert "kring_schema_info{" in served.text and 'schema="accreditation"' in served.text
    async with httpx.AsyncClient() as outside:
        try:
            await outside.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("the metrics' port outlives the app")
