"""The kit's HTTP metrics middleware counts exactly what Litestar's Prometheus middleware does."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from services.kit.http_metrics import HttpMetricsMiddleware


@get("/ok", sync_to_thread=False)
def ok() -> dict[str, str]:
    return {"status": "ok"}


@get("/items/{item_id:int}", sync_to_thread=False)
def item(item_id: FromPath[int]) -> dict[str, int]:
    if item_id == 0:
        raise NotFoundException("no item 0")
    return {"id": item_id}


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("boom")


def _app(name: str, middleware: type[PrometheusMiddleware]) -> Litestar:
    config = PrometheusConfig(
        app_name=name, prefix="kring", group_path=True, middleware_class=middleware
    )
    return Litestar(route_handlers=[ok, item, boom], middleware=[config.middleware])


def _samples(app_name: str) -> dict[tuple[Any, ...], float]:
    """Every sample of the kring_ request metrics of ``app_name`` (durations left out)."""
    found = {}
    for family in REGISTRY.collect():
        if not family.name.startswith("kring_request"):
            continue
        for sample in family.samples:
            if sample.labels.get("app_name") != app_name or sample.name.endswith("_sum"):
                continue
            if sample.name.endswith("_created"):
                continue
            if "_bucket" in sample.name and sample.labels.get("le") != "+Inf":
                continue  # the buckets a duration falls in differ run to run
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "app_name"))
            found[(sample.name, labels)] = sample.value
    return found


def test_the_kits_middleware_counts_as_litestars_does() -> None:
    samples = {}
    for middleware in (PrometheusMiddleware, HttpMetricsMiddleware):
        name = f"same_{middleware.__name__}"
        with TestClient(_app(name, middleware), raise_server_exceptions=False) as client:
            for path in ("/ok", "/ok", "/items/1", "/items/2", "/items/0", "/boom", "/nowhere"):
                client.get(path)
        samples[middleware] = _samples(name)

    litestars, kits = samples[PrometheusMiddleware], samples[HttpMetricsMiddleware]
    assert kits == litestars
    requests = {
        labels: value for (name, labels), value in kits.items() if name == "kring_requests_total"
    }
    assert requests[(("method", "GET"), ("path", "/ok"), ("status_code", "200"))] == 2
    assert requests[(("method", "GET"), ("path", "/items/{item_id}"), ("status_code", "200"))] == 2
    assert requests[(("method", "GET"), ("path", "/items/{item_id}"), ("status_code", "404"))] == 1
    errors = {labels for (name, labels), _ in kits.items() if name == "kring_requests_error_total"}
    assert errors == {(("method", "GET"), ("path", "/boom"), ("status_code", "500"))}
