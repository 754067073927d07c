"""Subscriptions' use cases, each on the caller's connection and principal: a caller manages the
subscriptions ``rules.owner_of`` gives it, and any other is not found."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from .. import safeurl, webhooks
from ..ids import uuid7
from ..outbox import Event
from ..pagination import Keyset, page_of
from ..principal import Principal
from . import repository, rules
from .schemas import (
    CreatedSubscription,
    Replayed,
    ReplayIn,
    ResumeIn,
    RotatedSecret,
    RotateIn,
    Subscription,
    SubscriptionChange,
    SubscriptionDelivery,
    SubscriptionDeliveryPage,
    SubscriptionIn,
    SubscriptionPage,
)

Scope = Callable[[Any, Event], Event | None]
Seen = Callable[[uuid.UUID, dict[str, Any] | None, Event], Event | None]


@dataclass(frozen=True, slots=True)
class Policy:
    """What the service gives its subscriptions: the event types it sends, the roles that
    manage all of a tenant's, and whether loopback URLs are allowed (development)."""

    catalogue: frozenset[str]
    operators: tuple[str, ...]
    allow_loopback: bool


async def _vetted(url: str, policy: Policy) -> str:
    await safeurl.vetted(url, allow_loopback=policy.allow_loopback)
    return url


async def create(
    conn: asyncpg.Connection, principal: Principal, data: SubscriptionIn, policy: Policy
) -> CreatedSubscription:
    rules.check_event_types(data.event_types, policy.catalogue)
    if data.secret is not None:
        rules.check_secret(data.secret)
    url = await _vetted(data.url, policy)
    rules.check_room(await repository.lock_and_count(conn, principal.org_id))
    values = {
        "url": url,
        "event_types": data.event_types,
        "description": data.description,
        "secret": data.secret or webhooks.new_secret(),
        "reader": rules.reader_of(principal),
        "created_by": principal.subject,
    }
    return await repository.create(conn, principal.org_id, uuid7(), values=values)


async def get(
    conn: asyncpg.Connection, principal: Principal, subscription_id: uuid.UUID, policy: Policy
) -> Subscription:
    owner = rules.owner_of(principal, policy.operators)
    return await repository.get(conn, principal.org_id, subscription_id, owner=owner)


async def page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset, policy: Policy
) -> SubscriptionPage:
    owner = rules.owner_of(principal, policy.operators)
    items = await repository.page(conn, principal.org_id, asked, owner=owner)
    return page_of(SubscriptionPage, items, asked.limit)


async def replace(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    data: SubscriptionChange,
    policy: Policy,
) -> Subscription:
    await get(conn, principal, subscription_id, policy)
    rules.check_event_types(data.event_types, policy.catalogue)
    url = await _vetted(data.url, policy)
    return await repository.replace(
        conn,
        principal.org_id,
        subscription_id,
        url=url,
        event_types=data.event_types,
        description=data.description,
    )


async def delete(
    conn: asyncpg.Connection, principal: Principal, subscription_id: uuid.UUID, policy: Policy
) -> None:
    await get(conn, principal, subscription_id, policy)
    await repository.delete(conn, principal.org_id, subscription_id)


async def pause(
    conn: asyncpg.Connection, principal: Principal, subscription_id: uuid.UUID, policy: Policy
) -> Subscription:
    rules.check_pausable((await get(conn, principal, subscription_id, policy)).status)
    return await repository.set_status(conn, principal.org_id, subscription_id, "paused")


async def resume(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    data: ResumeIn,
    policy: Policy,
) -> Subscription:
    """Active again, its URL checked again; with ``backlog``, what it missed is queued: its
    failed deliveries, and the events of its types since it stopped."""
    before = await get(conn, principal, subscription_id, policy)
    await _vetted(before.url, policy)
    if data.backlog:
        await repository.replay_failed(conn, subscription_id)
        if before.status != "active" and before.status_changed_at is not None:
            await repository.replay_range(
                conn,
                principal.org_id,
                subscription_id,
                since=before.status_changed_at,
                until=datetime.now(UTC),
            )
    return await repository.set_status(conn, principal.org_id, subscription_id, "active")


async def rotate(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    data: RotateIn,
    policy: Policy,
) -> RotatedSecret:
    await get(conn, principal, subscription_id, policy)
    if data.secret is not None:
        rules.check_secret(data.secret)
    secret = data.secret or webhooks.new_secret()
    until = await repository.rotate(
        conn,
        principal.org_id,
        subscription_id,
        secret,
        overlap_seconds=rules.ROTATION_OVERLAP.total_seconds(),
    )
    return RotatedSecret(secret=secret, previous_secret_until=until)


async def deliveries(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    asked: Keyset,
    policy: Policy,
    *,
    status: str | None,
) -> SubscriptionDeliveryPage:
    await get(conn, principal, subscription_id, policy)
    skipped = _sees_skipped(principal, policy)
    items = await repository.deliveries(
        conn, subscription_id, asked, status=status, skipped=skipped
    )
    return page_of(SubscriptionDeliveryPage, items, asked.limit)


def _sees_skipped(principal: Principal, policy: Policy) -> bool:
    """A skipped delivery is of an event the subscription may not read, and one not sent yet
    may be: only an operator of the tenant, who reads every event, sees them in the log."""
    return rules.owner_of(principal, policy.operators) is None


async def replay_delivery(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    policy: Policy,
) -> SubscriptionDelivery:
    await get(conn, principal, subscription_id, policy)
    skipped = _sees_skipped(principal, policy)
    await repository.delivery(conn, subscription_id, delivery_id, skipped=skipped)
    await repository.replay(conn, subscription_id, delivery_id)
    return await repository.delivery(conn, subscription_id, delivery_id, skipped=True)


async def replay_range(
    conn: asyncpg.Connection,
    principal: Principal,
    subscription_id: uuid.UUID,
    data: ReplayIn,
    policy: Policy,
) -> Replayed:
    await get(conn, principal, subscription_id, policy)
    rules.check_window(data.since, data.until)
    queued = await repository.replay_range(
        conn, principal.org_id, subscription_id, since=data.since, until=data.until
    )
    return Replayed(queued=queued)


def seen_by(scope: Scope, principal_type: type[Principal]) -> Seen:
    """What a subscriber receives of an event (``None``: nothing, the delivery is skipped): an
    operator's subscriber (no reader) every event of its types, a tenant's subscription what
    its reader sees through the service's ``scope``. Pure, for the relay."""

    def seen(org_id: uuid.UUID, reader: dict[str, Any] | None, event: Event) -> Event | None:
        if reader is None:
            return event
        return scope(rules.principal_of(reader, org_id, principal_type), event)

    return seen
