"""``/metrics``: the process's Prometheus metrics (Litestar's requests, the relay's, the
schema's revision), on the API's port or, with ``KRING_METRICS_PORT``, on a port of its own.

The manifests serve them apart (port ``metrics``, which only the monitoring namespace reaches),
so the API's port answers ``/metrics`` with a 404; locally, without the setting, the API's port
serves them as before. The port of its own is ``prometheus_client``'s server in a thread of the
process: one per process, so a pod with a metrics port runs one worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from litestar.plugins.prometheus import PrometheusController
from litestar.types import ControllerRouterHandler
from prometheus_client import start_http_server

from .settings import Settings

log = structlog.get_logger("kring.metrics")


class Metrics(PrometheusController):
    include_in_schema = False


def metrics_routes(settings: Settings) -> list[ControllerRouterHandler]:
    """``/metrics`` on the API's port, unless the metrics have a port of their own."""
    return [] if settings.metrics_port else [Metrics]


@contextmanager
def metrics_served(settings: Settings) -> Iterator[None]:
    """The metrics' own port, open while the app runs (nothing without the setting)."""
    if not settings.metrics_port:
        yield
        return
    server, thread = start_http_server(settings.metrics_port, addr=settings.metrics_host)
    log.info("metrics_serving", host=settings.metrics_host, port=server.server_port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
