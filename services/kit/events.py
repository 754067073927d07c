"""Events over HTTP: the feed a producer serves, delivery administration, and receiving.

A producing service passes ``events=True`` to ``create_service_app``: it gets
``GET /v1/events`` (its tenant's events, for reconciliation and pulling clients),
``GET /v1/webhooks/deliveries`` and ``POST /v1/webhooks/deliveries/{id}/replay``,
and a relay in its lifespan delivering to the subscribers in
``KRING_WEBHOOK_SUBSCRIBERS``. A consuming service calls :func:`receive` in its
event route, then applies the event and :func:`outbox.first_time` in one transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Generic, Literal, TypeVar

import asyncpg
import msgspec
import structlog
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_200_OK

from . import outbox, relay, webhooks
from .auth import requires
from .db import Conn
from .errors import FieldError, InvalidInput
from .http import service_client
from .openapi import problems
from .pagination import DEFAULT_LIMIT, Limit
from .principal import Principal
from .relay import Delivery, Relay, Subscriber, sync_subscribers
from .schemas import Outbound

log = structlog.get_logger("kring.events")

T = TypeVar("T", bound=msgspec.Struct)

After = Annotated[
    str | None,
    QueryParameter(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="`next` of the previous page."),
]


class EventPage(Outbound, frozen=True):
    items: list[outbox.Event]
    next: str
    """Pass as `after` to continue; the same value comes back while there is nothing new."""


class DeliveryPage(Outbound, frozen=True):
    items: list[Delivery]


class EventAccess(msgspec.Struct, frozen=True, kw_only=True):
    """Which of a service's roles read its event feed, and which run its delivery log."""

    readers: tuple[str, ...]
    operators: tuple[str, ...]


def events_controller(access: EventAccess) -> type[Controller]:
    """The event feed and the delivery log, guarded by the roles the service names."""
    readers, operators = [requires(*access.readers)], [requires(*access.operators)]

    class EventsController(Controller):
        path = "/v1"
        tags = ("events",)

        @get("/events", operation_id="listEvents", guards=readers, responses=problems())
        async def feed(
            self,
            conn: Conn,
            principal: NamedDependency[Principal],
            after: After = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> EventPage:
            """The organisation's events, oldest first; a cursor never skips one committed late.

            Each item is the body a subscriber receives: its `type` is one of this contract's
            `webhooks`, which documents that type's `data`."""
            items, cursor = await outbox.feed(
                conn, principal.org_id, after=outbox.decode_feed_cursor(after), limit=limit
            )
            return EventPage(items=items, next=outbox.encode_feed_cursor(cursor))

        @get(
            "/webhooks/deliveries",
            operation_id="listDeliveries",
            guards=operators,
            responses=problems(),
        )
        async def deliveries(
            self,
            conn: Conn,
            principal: NamedDependency[Principal],
            status: FromQuery[Literal["pending", "delivered", "failed"] | None] = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> DeliveryPage:
            """The delivery log: the most recent deliveries of the organisation's events."""
            return DeliveryPage(
                items=await relay.deliveries(conn, principal.org_id, status=status, limit=limit)
            )

        @post(
            "/webhooks/deliveries/{delivery_id:uuid}/replay",
            operation_id="replayDelivery",
            guards=operators,
            status_code=HTTP_200_OK,
            responses=problems(),
        )
        async def replay(
            self,
            conn: Conn,
            principal: NamedDependency[Principal],
            delivery_id: FromPath[uuid.UUID],
        ) -> Delivery:
            """Send a delivery again, from its first attempt."""
            await relay.delivery(conn, principal.org_id, delivery_id)
            await relay.replay(conn, delivery_id)
            return await relay.delivery(conn, principal.org_id, delivery_id)

    return EventsController


def channel(schema: str) -> str:
    return f"kring_{schema}_outbox"


class Emitter(Generic[T]):
    """Writes a service's events to its outbox, each event's type named by its data's Struct:
    ``webhooks`` maps each type the service sends to its data (as its contract lists them)."""

    def __init__(self, schema: str, webhooks: Mapping[str, type[T]]) -> None:
        self._channel = channel(schema)
        self._types = {data: event_type for event_type, data in webhooks.items()}

    async def __call__(
        self, conn: asyncpg.Connection, org_id: uuid.UUID, data: T, *, aggregate_id: uuid.UUID
    ) -> None:
        """The event commits with the change that caused it; its type follows from ``data``."""
        await outbox.emit(
            conn,
            org_id=org_id,
            type=self._types[type(data)],
            aggregate_id=aggregate_id,
            payload=data,
            channel=self._channel,
        )


def parse_subscribers(raw: str) -> list[Subscriber]:
    try:
        return msgspec.json.decode(raw.encode(), type=list[Subscriber])
    except msgspec.DecodeError as exc:
        raise SystemExit(f"invalid KRING_WEBHOOK_SUBSCRIBERS: {exc}") from exc


@asynccontextmanager
async def running_relay(
    pool: asyncpg.Pool, *, schema: str, subscribers_json: str
) -> AsyncIterator[None]:
    """Sync the configured subscribers, then deliver in the background for the app's lifetime."""
    subscribers = parse_subscribers(subscribers_json)
    async with pool.acquire() as conn:
        await sync_subscribers(conn, subscribers)
    async with service_client("http://relay.invalid", timeout=10.0) as client:
        relay = Relay(pool, channel=channel(schema), client=client)
        task = asyncio.create_task(relay.run(), name=f"relay-{schema}")
        try:
            yield
        finally:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass


def receive(secrets_: tuple[str, ...], headers: Mapping[str, str], body: bytes) -> outbox.Event:
    """Verify a delivery (signature and freshness) and decode its event; refusals are logged."""
    try:
        webhooks.verify(list(secrets_), headers, body)
        return msgspec.json.decode(body, type=outbox.Event)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidInput(
            f"The event is not valid: {exc}",
            errors=[FieldError(field="body", rule="event", message=str(exc))],
        ) from exc
    except Exception as exc:
        log.warning("webhook_refused", reason=str(exc), webhook_id=headers.get("webhook-id"))
        raise
