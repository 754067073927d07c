"""Request ids and trace context: the caller's when sane, made otherwise, always answered."""

from __future__ import annotations

import httpx

from services.kit.migrations import head_revision
from services.scheduling.config import MIGRATIONS

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_request_id_and_traceparent_are_continued(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get(
        "/health/live", headers={"x-request-id": "abc-123", "traceparent": TRACE}
    )
    assert response.headers["x-request-id"] == "abc-123"
    version, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert span_id != "00f067aa0ba902b7"


async def test_insane_request_id_is_replaced(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get("/health/live", headers={"x-request-id": "x" * 500})
    assert len(response.headers["x-request-id"]) == 24


async def test_unrouted_requests_are_problems_with_request_id(
    scheduling: httpx.AsyncClient,
) -> None:
    response = await scheduling.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_ready_says_no_more_than_the_probe_needs(scheduling: httpx.AsyncClient) -> None:
    response = await scheduling.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}, "no migration heads"
    # The revisions are the operators': a metric (on the metrics' port in the manifests).
    metrics = await scheduling.get("/metrics")
    [line] = [
        x
        for x in metrics.text.splitlines()
        if x.startswith("kring_schema_info{") and 'schema="scheduling"' in x
    ]
    head = head_revision(MIGRATIONS)
    assert f'revision="{head}"' in line and f'expected="{head}"' in line, line


async def test_metrics_are_prometheus_text(scheduling: httpx.AsyncClient) -> None:
    await scheduling.get("/health/live")
    response = await scheduling.get("/metrics")
    assert response.status_code == 200
    assert "kring_requests_total" in response.text


async def test_body_over_the_limit_is_413(scheduling: httpx.AsyncClient, auth) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/big",
        content=b'{"given_name": "' + b"a" * 2_000_000 + b'"}',
        headers={**auth(), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unknown_query_parameter_is_refused(scheduling: httpx.AsyncClient, auth) -> None:
    response = await scheduling.get("/v1/people", params={"limt": 5}, headers=auth())
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "query.limt",
            "rule": "unknown_parameter",
            "message": "this route takes no such parameter",
        }
    ]


async def test_trailing_newline_is_refused_not_stored(scheduling: httpx.AsyncClient, auth) -> None:
    in_path = await scheduling.put(
        "/v1/people/by-external-id/hr-1%0A",
        json={"given_name": "A", "family_name": "B"},
        headers=auth(),
    )
    assert in_path.status_code == 400
    assert in_path.json()["errors"][0]["field"] == "path.external_id"
    in_body = await scheduling.put(
        "/v1/people/by-external-id/hr-1",
        json={"given_name": "A\n", "family_name": "B"},
        headers=auth(),
    )
    assert in_body.status_code == 400
    assert in_body.json()["errors"][0] == {
        "field": "body.given_name",
        "rule": "control_character",
        "message": "`given_name` must not contain control characters",
    }
