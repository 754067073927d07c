"""What the relay's tests share: the event tables in a schema of their own, subscribers, and
receivers that verify, refuse, redirect or hang."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from standardwebhooks import Webhook

from services.kit import outbox
from services.kit.relay import Relay, RelayOptions

SCHEMA = "kit_events_test"
CHANNEL = "kit_events_test_outbox"
REVISIONS = Path(__file__).parents[3] / "services/accreditation/migrations/versions"
FAST = RelayOptions(
    retry_schedule=(0.01, 0.01),
    operator_retry_schedule=(0.01, 0.01),
    timeout=1.0,
    lease=3.0,
    poll_seconds=0.2,
)
"""Retries due at once: a tenant's event fails after three attempts; an operator's subscriber
is tried again every 10 ms."""
READER = {"subject": "hr-system", "roles": ["admin"], "claims": {}}


def event_tables() -> list[str]:
    """The event tables as accreditation's revisions made them (0003 and 0009 hold nothing
    else), for a schema of the relay tests' own."""
    statements: list[str] = []
    for name in ("0003_events.py", "0009_subscriptions.py"):
        spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), REVISIONS / name)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        statements += module.STATEMENTS
    return statements


async def create_schema(conn: asyncpg.Connection) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SCHEMA}")
    await conn.execute(f"SET search_path = {SCHEMA}")
    for statement in event_tables():
        await conn.execute(statement)
    await conn.execute("RESET search_path")


async def open_pool(url: str, *, max_size: int = 8) -> asyncpg.Pool:
    """A pool on the relay tests' schema, decoding jsonb as the kit's does."""

    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec(
            "jsonb",
            encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )

    pool = await asyncpg.create_pool(
        url, min_size=1, max_size=max_size, init=init, server_settings={"search_path": SCHEMA}
    )
    assert pool is not None
    return pool


async def subscription(
    pool: asyncpg.Pool,
    url: str,
    secret: str,
    *,
    org: uuid.UUID | None = None,
    types: tuple[str, ...] = ("session.closed",),
    previous_secret: str | None = None,
    previous_for: float = 3600.0,
) -> uuid.UUID:
    """A subscriber row: a tenant's subscription with ``org``, else an operator's; a
    ``previous_secret`` signs beside the secret for ``previous_for`` seconds."""
    subscriber_id = uuid.uuid4()
    async with pool.acquire() as conn:
        await conn.execute(
            """
            INSERT INTO subscribers (id, name, org_id, url, secret, types, reader,
                                     previous_secret, previous_secret_until)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))
            """,
            subscriber_id,
            f"test-{subscriber_id}",
            org,
            url,
            secret,
            list(types),
            READER if org else None,
            previous_secret,
            previous_for,
        )
    return subscriber_id


async def emit(
    pool: asyncpg.Pool,
    org: uuid.UUID,
    aggregate: uuid.UUID,
    n: int,
    *,
    type: str = "session.closed",
) -> uuid.UUID:
    """One event, committed."""
    async with pool.acquire() as conn, conn.transaction():
        return await outbox.emit(
            conn, org_id=org, type=type, aggregate_id=aggregate, payload={"n": n}, channel=CHANNEL
        )


async def drain(relay: Relay, *, seconds: float = 10.0) -> None:
    """Claim and send until nothing is due for a while (the retries here come within 15 ms),
    or the time is up."""
    deadline, idle = time.monotonic() + seconds, 0
    while idle < 3 and time.monotonic() < deadline:
        claimed = await relay.claim_and_send()
        await relay.idle()
        idle = 0 if claimed else idle + 1
        await asyncio.sleep(0.02)


async def eventually(check: Callable[[], Any], *, seconds: float = 10.0) -> Any:
    """``check()`` (sync or async) once it is truthy, or its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


class Arrival(msgspec.Struct, frozen=True, kw_only=True):
    event: outbox.Event
    at: float
    """``time.time()`` when it came."""
    headers: dict[str, str]


Answer = Callable[[outbox.Event, int], tuple[int, bytes, dict[str, str]]]
"""What a receiver answers to an event on its ``n``-th attempt: status, body, headers."""


def accept(_: outbox.Event, __: int) -> tuple[int, bytes, dict[str, str]]:
    return 204, b"", {}


class Receiver:
    """An ASGI subscriber. It verifies each delivery with the ``standardwebhooks`` library,
    answers what ``answer`` says, and keeps what came: every verified request in
    :attr:`arrivals`, the accepted (2xx) ones in :attr:`events`. A ``hung`` receiver takes the
    request and never answers until :meth:`release`; :attr:`most_at_once` counts the requests
    it held at one time, per aggregate in :attr:`most_per_aggregate`."""

    def __init__(
        self,
        secret: str,
        answer: Answer = accept,
        *,
        hung: bool = False,
        delay: float = 0.0,
    ) -> None:
        self.webhook = Webhook(secret)
        self.answer = answer
        self.hung = hung
        self.delay = delay
        self.released = False
        self.arrivals: list[Arrival] = []
        self.events: list[outbox.Event] = []
        self.refused = 0
        self.paths: list[str] = []
        self.attempts: dict[uuid.UUID, int] = {}
        self.in_flight: dict[uuid.UUID | None, int] = {}
        self.most_at_once = 0
        self.most_per_aggregate = 0

    def release(self) -> None:
        self.released = True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.paths.append(scope["path"])
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            self.webhook.verify(body, headers)
        except Exception:
            self.refused += 1
            await _answer(send, 401, b"", {})
            return
        event = msgspec.json.decode(body, type=outbox.Event)
        self.arrivals.append(Arrival(event=event, at=time.time(), headers=headers))
        self.attempts[event.id] = attempts = self.attempts.get(event.id, 0) + 1
        aggregate = event.aggregate_id
        self.in_flight[None] = self.in_flight.get(None, 0) + 1
        self.in_flight[aggregate] = self.in_flight.get(aggregate, 0) + 1
        self.most_at_once = max(self.most_at_once, self.in_flight[None])
        self.most_per_aggregate = max(self.most_per_aggregate, self.in_flight[aggregate])
        try:
            # released from the test's thread: a flag, as an asyncio.Event is not thread-safe
            while self.hung and not self.released:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            await asyncio.sleep(self.delay)
            status, reply, extra = self.answer(event, attempts)
            if 200 <= status < 300:
                self.events.append(event)
        finally:
            self.in_flight[None] -= 1
            self.in_flight[aggregate] -= 1
        await _answer(send, status, reply, extra)


async def _answer(send: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()
