"""Outgoing calls carry the request id and continue the trace of the request that made them.

The callee is a real service over HTTP; it answers with the request id it was sent and a
``traceparent`` continuing the trace it was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from services.kit.http import service_client
from services.kit.request_context import request_context
from services.kit.settings import Settings
from services.scheduling.app import create_app
from tests.servers import ThreadedServer

TRACE_ID, SPAN_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def callee(settings_for: Callable[..., Settings]) -> Iterator[ThreadedServer]:
    with ThreadedServer(create_app(settings_for("scheduling"))) as server:
        yield server


async def test_outgoing_call_carries_request_id_and_trace(callee: ThreadedServer) -> None:
    with request_context(request_id="req-1", trace_id=TRACE_ID, span_id=SPAN_ID):
        async with service_client(callee.url) as client:
            response = await client.get("/health/live")

    assert response.request.headers["traceparent"] == f"00-{TRACE_ID}-{SPAN_ID}-01"
    assert response.headers["x-request-id"] == "req-1"
    assert response.headers["traceparent"].split("-")[1] == TRACE_ID


async def test_without_a_request_context_the_callee_starts_its_own(callee: ThreadedServer) -> None:
    async with service_client(callee.url) as client:
        response = await client.get("/health/live")
    assert "x-request-id" not in response.request.headers
    assert response.headers["x-request-id"]
