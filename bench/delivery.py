"""Webhook delivery: one tenant's ten subscriptions (made through the API), the receiver of one
of them hung (it takes each request and never answers, until the relay's timeout), the other
nine answering at once.

- Close to delivered: sessions closed one at a time; each timed from the close request until
  its ``session.closed`` reached all nine live receivers.
- The same first with every receiver answering, on half the sessions: the normal p95 that the
  nine live receivers must still get while one is hung.
- Throughput: :data:`SERIES` series of 52 sessions planned one after the other (each plan one
  transaction of 52 ``session.scheduled`` events), timed from the first plan until every event
  reached all nine live receivers: events per second, each to nine subscribers (the tenth,
  hung, holds its few connections and delays nobody).

The receivers run in this process, on a thread of their own; they do not verify signatures (the
tests do), so the figure is the relay's, not the receivers'.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time
import uuid
from typing import Any

import httpx
import msgspec
import uvicorn

from .dbceiling import percentile

SUBSCRIBERS = 10
SERIES = 8
TYPES = ["session.scheduled", "session.closed"]


class _Event(msgspec.Struct):
    id: uuid.UUID
    type: str
    aggregate_id: uuid.UUID


class Receivers:
    """:data:`SUBSCRIBERS` receivers, each on a port of its own (as each subscriber is a host of
    its own), served by one uvicorn on a thread; the last hangs. :attr:`arrivals` maps each
    live receiver's port to the events it received, by type and aggregate, with the time each
    came."""

    def __init__(self, *, hung: bool = True) -> None:
        self.arrivals: dict[int, dict[tuple[str, uuid.UUID], float]] = {}
        self.stopping = False
        self.sockets = [socket.socket() for _ in range(SUBSCRIBERS)]
        for sock in self.sockets:
            sock.bind(("127.0.0.1", 0))
        self.ports = [int(sock.getsockname()[1]) for sock in self.sockets]
        self.urls = [f"http://127.0.0.1:{port}/hooks" for port in self.ports]
        self.hung = self.ports[-1] if hung else None
        config = uvicorn.Config(self, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": self.sockets}, daemon=True
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        port = scope["server"][1]
        while port == self.hung and not self.stopping:  # noqa: ASYNC110 (set from another thread)
            await asyncio.sleep(0.05)
        event = msgspec.json.decode(body, type=_Event)
        self.arrivals.setdefault(port, {})[(event.type, event.aggregate_id)] = time.perf_counter()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def live(self) -> list[dict[tuple[str, uuid.UUID], float]]:
        return [self.arrivals.get(port, {}) for port in self.ports if port != self.hung]

    def __enter__(self) -> Receivers:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping = True
        self.server.should_exit = True
        self.thread.join(timeout=15)
        for sock in self.sockets:
            sock.close()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json() if response.content else {}


async def _everywhere(receivers: Receivers, keys: list[tuple[str, uuid.UUID]]) -> float:
    """When the last of ``keys`` reached the last live receiver (``perf_counter``)."""
    deadline = time.perf_counter() + 120
    while True:
        live = receivers.live()
        if all(key in got for got in live for key in keys):
            return max(got[key] for got in live for key in keys)
        if time.perf_counter() > deadline:
            raise RuntimeError("the live receivers did not get every event within 120 s")
        await asyncio.sleep(0.002)


async def _plan(api: httpx.AsyncClient, group_id: str, start: str) -> list[uuid.UUID]:
    planned = _ok(
        await api.post(
            "/v1/sessions",
            json={
                "group_id": group_id,
                "start": f"{start}T19:00",
                "end": f"{start}T21:30",
                "rrule": "FREQ=DAILY;COUNT=52",
            },
        )
    )
    return [uuid.UUID(s["id"]) for s in planned["sessions"]]


async def _measure(
    receivers: Receivers,
    urls: dict[str, str],
    admin: dict[str, str],
    group: dict[str, Any],
    sessions: list[str],
    *,
    first_year: int,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=urls["scheduling"], headers=admin, timeout=60) as api:
        subscriptions = []
        for url in receivers.urls:
            body = {"url": url, "event_types": TYPES}
            subscriptions.append(_ok(await api.post("/v1/webhook-subscriptions", json=body))["id"])
        closes: list[float] = []
        for session_id in sessions:
            started = time.perf_counter()
            _ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))
            done = await _everywhere(receivers, [("session.closed", uuid.UUID(session_id))])
            closes.append((done - started) * 1000)
        began = time.perf_counter()
        planned: list[uuid.UUID] = []
        for n in range(SERIES):
            planned += await _plan(api, group["id"], f"{first_year + n}-01-05")
        done = await _everywhere(receivers, [("session.scheduled", s) for s in planned])
        for subscription_id in subscriptions:  # the bench's database is kept between runs
            _ok(await api.delete(f"/v1/webhook-subscriptions/{subscription_id}"))
    seconds = done - began
    closes.sort()
    live = len(receivers.live())
    return {
        "subscribers": SUBSCRIBERS,
        "hung": SUBSCRIBERS - live,
        "closes": len(closes),
        "median_ms": round(statistics.median(closes), 1),
        "p95_ms": round(percentile(closes, 0.95), 1),
        "max_ms": round(closes[-1], 1),
        "events": len(planned),
        "seconds": round(seconds, 2),
        "events_per_second": round(len(planned) / seconds, 1),
        "deliveries_per_second": round(len(planned) * live / seconds, 1),
    }


def measure(
    urls: dict[str, str],
    admin: dict[str, str],
    group: dict[str, Any],
    sessions: list[str],
) -> dict[str, Any]:
    """Close ``sessions`` (planned, not closed, of ``group``) one at a time, then plan
    :data:`SERIES` series, all delivered to ten subscriptions of the tenant: first with every
    receiver answering (half the sessions: the normal p95), then with one hung (the other
    half). The figures with one hung, and the normal ones under ``baseline``."""
    half = len(sessions) // 2
    with Receivers(hung=False) as receivers:
        baseline = asyncio.run(
            _measure(receivers, urls, admin, group, sessions[:half], first_year=2030)
        )
    with Receivers() as receivers:
        hung = asyncio.run(
            _measure(receivers, urls, admin, group, sessions[half:], first_year=2030 + SERIES)
        )
    return {**hung, "baseline": baseline}
