"""Events over HTTP: the feed a producer serves, delivery administration, and receiving.

A producing service passes an :class:`EventAccess` to ``create_service_app``: it gets
``GET /v1/events`` (its tenant's events, for reconciliation and pulling clients, each as
the access's ``scope`` lets the caller see it; ADR 0063),
``GET /v1/webhooks/deliveries`` and ``POST /v1/webhooks/deliveries/{id}/replay``,
and a relay in its lifespan delivering to the subscribers in
``KRING_WEBHOOK_SUBSCRIBERS``. A consuming service calls :func:`receive` in its
event route, then applies the event and :func:`outbox.first_time` in one transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, Generic, Literal, TypeVar

import asyncpg
import msgspec
import structlog
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_200_OK

from . import outbox, relay, sending, webhooks
from .db import Conn
from .errors import FieldError, InvalidInput
from .links import link, links
from .openapi import problems
from .pagination import DEFAULT_LIMIT, Limit
from .principal import Principal
from .relay import Delivery, Relay, RelayOptions, Seen, Subscriber, sync_subscribers
from .schemas import Outbound
from .settings import Settings

log = structlog.get_logger("kring.events")

T = TypeVar("T", bound=msgspec.Struct)

FeedCursor = Annotated[
    str | None,
    QueryParameter(
        pattern=outbox.FEED_CURSOR_PATTERN, description="`next_cursor` of the previous page."
    ),
]


class EventPage(Outbound, frozen=True):
    items: list[outbox.Event]
    next_cursor: str
    """Pass as `cursor` to continue, as in every list (ADR 0050); a feed never ends, so it is
    never null: the same value comes back while there is nothing new. A page may hold fewer
    items than `limit`, or none, while more follow (the events the caller may not see are
    passed over): read on until `next_cursor` comes back unchanged."""


class DeliveryPage(Outbound, frozen=True):
    items: list[Delivery]


EventScope = Callable[[Any, outbox.Event], outbox.Event | None]
"""What a reader may see of an event: the event, the event with its data reduced (a snapshot
of the reader's people only), or ``None`` (nothing). The reader is the service's principal:
a token's in the feed, or one built for a subscription when its event is delivered. A plain
function, no I/O: the same answer in a request and outside one."""

Narrow = Callable[[dict[str, Any], str], dict[str, Any] | None]
"""An event type's data as a reader narrowed to one key (an organisation's id, as text) sees
it, or ``None`` when the event is not about that key."""


class EventAccess(msgspec.Struct, frozen=True, kw_only=True):
    """What of each event a reader sees (``scope``). Who reads the feed, runs the delivery log
    and manages webhook subscriptions is the service's policy (``listEvents``,
    ``listDeliveries``, the subscriptions' operations: ``kit.policy``)."""

    scope: EventScope


def narrowed(
    views: Mapping[str, Narrow], event: outbox.Event, key: uuid.UUID | None
) -> outbox.Event | None:
    """``event`` as a reader narrowed to ``key`` sees it through its type's view in ``views``;
    ``None`` for a type without a view, or for a reader without a key."""
    view = views.get(event.type)
    if view is None or key is None:
        return None
    data = view(event.data, str(key))
    return None if data is None else msgspec.structs.replace(event, data=data)


def when(field: str) -> Narrow:
    """The data whole when its ``field`` is the key, else nothing."""
    return lambda data, key: data if data.get(field) == key else None


def only(items: str, field: str, *, also: Mapping[str, str] | None = None) -> Narrow:
    """The data with its list ``items`` reduced to those whose ``field`` is the key, nothing
    when none is; ``also`` reduces other lists of ids to the kept items' ids (the list's name
    to the items' id field)."""

    def view(data: dict[str, Any], key: str) -> dict[str, Any] | None:
        kept = [item for item in data.get(items, ()) if item.get(field) == key]
        if not kept:
            return None
        reduced = {**data, items: kept}
        for ids, id_field in (also or {}).items():
            wanted = {item.get(id_field) for item in kept}
            reduced[ids] = [i for i in data.get(ids, ()) if i in wanted]
        return reduced

    return view


async def _page(
    conn: asyncpg.Connection,
    scope: Callable[[outbox.Event], outbox.Event | None],
    principal: Principal,
    cursor: str | None,
    limit: int,
) -> EventPage:
    """A page of the feed, each event as ``scope`` shows it."""
    start = outbox.decode_feed_cursor(cursor)
    items, last = await outbox.feed(conn, principal.org_id, after=start, limit=limit, scope=scope)
    return EventPage(items=items, next_cursor=outbox.encode_feed_cursor(last))


def events_controller(access: EventAccess) -> type[Controller]:
    """The event feed (each event as ``access.scope`` lets the caller see it) and the delivery
    log; who may call them is the service's policy."""

    class EventsController(Controller):
        path = "/v1"
        tags = ("events",)

        @get("/events", operation_id="listEvents", responses=problems())
        async def feed(
            self,
            conn: Conn,
            principal: NamedDependency[Principal],
            cursor: FeedCursor = None,
            limit: Limit = DEFAULT_LIMIT,
        ) -> EventPage:
            """The organisation's events, oldest first; a cursor never skips one committed late.

            Each item is the body a subscriber receives: its `type` is one of this contract's
            `webhooks`, which documents that type's `data`. A caller sees what its role allows:
            an HR client only events about its client organisation's people, each snapshot
            reduced to them; a service the types its work consumes."""
            return await _page(conn, partial(access.scope, principal), principal, cursor, limit)

        @get(
            "/webhooks/deliveries",
            operation_id="listDeliveries",
            opt=links(link("replayDelivery", delivery_id="items/0/id")),
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
        assert len(self._types) == len(webhooks), "each type needs a data Struct of its own"
        self.types = frozenset(webhooks)
        """Every type this emitter writes."""

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
    pool: asyncpg.Pool, *, schema: str, settings: Settings, seen: Seen | None = None
) -> AsyncIterator[None]:
    """Sync the configured subscribers, then deliver in the background for the app's lifetime
    (each subscriber receiving what ``seen`` lets it see of each event)."""
    subscribers = parse_subscribers(settings.webhook_subscribers)
    async with pool.acquire() as conn:
        await sync_subscribers(conn, subscribers)
    async with sending.Clients() as clients:
        relay = Relay(
            pool,
            channel=channel(schema),
            clients=clients,
            options=RelayOptions.of(settings),
            seen=seen,
        )
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
