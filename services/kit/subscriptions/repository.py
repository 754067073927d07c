"""SQL of subscriptions: rows of ``subscribers`` with an ``org_id`` (the operator's have none),
their deliveries and attempts. Every statement names the tenant, or a subscription found
through it; row-level security holds the tenant's transaction to its own rows as well."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from ..db import one
from ..pagination import Keyset
from ..sql import Params, keyset
from .schemas import CreatedSubscription, Subscription, SubscriptionDelivery

_COLUMNS = """
    id, url, types AS event_types, description, status, disabled_reason, status_changed_at,
    reader, CASE WHEN previous_secret_until > now() THEN previous_secret_until END
        AS previous_secret_until,
    created_at, updated_at
"""
_OWNED = "org_id = $1 AND id = $2 AND ($3::jsonb IS NULL OR reader - 'subject' = $3::jsonb)"
"""The subscription ``$2`` of the tenant ``$1``, when the caller manages it (``$3``: the
readers it manages, ``rules.owner_of``; null for all)."""


def _subscription(row: asyncpg.Record) -> Subscription:
    return msgspec.convert(dict(row), Subscription)


async def lock_and_count(conn: asyncpg.Connection, org_id: uuid.UUID) -> int:
    """The tenant's subscriptions, counted under a lock its other creations wait for (taken
    first: a statement's snapshot predates a lock it takes itself)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock("
        "hashtextextended('kring-subscriptions:' || $1::uuid::text, 0))",
        org_id,
    )
    return int(await conn.fetchval("SELECT count(*) FROM subscribers WHERE org_id = $1", org_id))


async def create(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    values: dict[str, Any],
) -> CreatedSubscription:
    """``values``: url, event_types, description, secret, reader, created_by."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO subscribers
            (id, name, org_id, url, types, description, secret, reader, created_by,
             status_changed_at)
        VALUES ($1, $9, $2, $3, $4, $5, $6, $7, $8, now())
        RETURNING {_COLUMNS}, secret
        """,
        subscription_id,
        org_id,
        values["url"],
        values["event_types"],
        values["description"],
        values["secret"],
        values["reader"],
        values["created_by"],
        f"subscription-{subscription_id}",
    )
    assert row is not None
    return msgspec.convert(dict(row), CreatedSubscription)


async def get(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    owner: dict[str, Any] | None,
) -> Subscription:
    query = f"SELECT {_COLUMNS} FROM subscribers WHERE {_OWNED}"
    missing = f"No webhook subscription {subscription_id}."
    return _subscription(await one(conn, query, org_id, subscription_id, owner, missing=missing))


async def page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, owner: dict[str, Any] | None
) -> list[Subscription]:
    param, where = Params(org_id), ["org_id = $1"]
    if owner is not None:
        where.append(f"reader - 'subject' = {param(owner)}::jsonb")
    query = keyset(f"SELECT {_COLUMNS} FROM subscribers", where, param, asked)
    return [_subscription(row) for row in await conn.fetch(query, *param.values)]


async def replace(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    url: str,
    event_types: list[str],
    description: str | None,
) -> Subscription:
    """A subscription found before, given its new URL, types and description."""
    row = await conn.fetchrow(
        f"""
        UPDATE subscribers SET url = $3, types = $4, description = $5, updated_at = now()
        WHERE org_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        org_id,
        subscription_id,
        url,
        event_types,
        description,
    )
    assert row is not None
    return _subscription(row)


async def set_status(
    conn: asyncpg.Connection, org_id: uuid.UUID, subscription_id: uuid.UUID, status: str
) -> Subscription:
    """A subscription found before, paused or active again (a reason it was disabled for goes);
    ``status_changed_at`` moves when the status does."""
    row = await conn.fetchrow(
        f"""
        UPDATE subscribers
        SET status = $3, disabled_reason = NULL, updated_at = now(),
            status_changed_at = CASE WHEN status = $3 THEN status_changed_at ELSE now() END
        WHERE org_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        org_id,
        subscription_id,
        status,
    )
    assert row is not None
    return _subscription(row)


async def rotate(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    subscription_id: uuid.UUID,
    secret: str,
    *,
    overlap_seconds: float,
) -> datetime:
    """The new secret signs from now, the current one beside it until the instant returned."""
    until = await conn.fetchval(
        """
        UPDATE subscribers
        SET previous_secret = secret, secret = $3, updated_at = now(),
            previous_secret_until = now() + make_interval(secs => $4)
        WHERE org_id = $1 AND id = $2
        RETURNING previous_secret_until
        """,
        org_id,
        subscription_id,
        secret,
        overlap_seconds,
    )
    assert isinstance(until, datetime)
    return until


async def delete(conn: asyncpg.Connection, org_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
    """The subscription, its deliveries and their attempts (checked at the statement's end)."""
    await conn.execute(
        """
        WITH attempts AS (
            DELETE FROM delivery_attempts a USING deliveries d
            WHERE a.delivery_id = d.id AND d.subscriber_id = $2
        ), queued AS (
            DELETE FROM deliveries WHERE subscriber_id = $2
        )
        DELETE FROM subscribers WHERE org_id = $1 AND id = $2
        """,
        org_id,
        subscription_id,
    )


_DELIVERIES = """
    SELECT d.id, e.id AS event_id, e.type AS event_type, e.aggregate_id, e.occurred_at,
           d.status, d.attempts, d.next_attempt_at, d.delivered_at, d.last_error,
           coalesce((
               SELECT jsonb_agg(to_jsonb(a) ORDER BY a.attempted_at DESC)
               FROM (SELECT attempted_at, duration_ms, status_code, error, response_excerpt
                     FROM delivery_attempts WHERE delivery_id = d.id
                     ORDER BY attempted_at DESC LIMIT 10) a
           ), '[]'::jsonb) AS attempt_log
    FROM deliveries d JOIN outbox e ON e.position = d.event_position
"""


_JUDGED = """
    d.status <> 'skipped' AND (d.status <> 'pending'
                               OR EXISTS (SELECT 1 FROM delivery_attempts a
                                          WHERE a.delivery_id = d.id))
"""
"""A delivery the relay has sent at least once: of an event its reader may see. One not yet
sent may be of an event it may not (the relay judges when it first sends, and skips it then),
so only the tenant's operators, who read every event, see it before."""


async def deliveries(
    conn: asyncpg.Connection,
    subscription_id: uuid.UUID,
    asked: Keyset,
    *,
    status: str | None,
    skipped: bool,
) -> list[SubscriptionDelivery]:
    """A page of the subscription's deliveries, the latest event first; the ``skipped`` ones
    (events its reader may not see) and those not sent yet only when asked (:data:`_JUDGED`)."""
    param, where = Params(subscription_id), ["d.subscriber_id = $1"]
    if status is not None:
        where.append(f"d.status = {param(status)}")
    if not skipped:
        where.append(_JUDGED)
    if asked.after is not None:
        where.append(
            "d.event_position < (SELECT event_position FROM deliveries"
            f" WHERE id = {param(asked.after)} AND subscriber_id = $1)"
        )
    query = (
        f"{_DELIVERIES} WHERE {' AND '.join(where)}"
        f" ORDER BY d.event_position DESC LIMIT {param(asked.rows)}"
    )
    rows = await conn.fetch(query, *param.values)
    return [msgspec.convert(dict(row), SubscriptionDelivery) for row in rows]


async def delivery(
    conn: asyncpg.Connection, subscription_id: uuid.UUID, delivery_id: uuid.UUID, *, skipped: bool
) -> SubscriptionDelivery:
    query = f"{_DELIVERIES} WHERE d.subscriber_id = $1 AND d.id = $2"
    if not skipped:
        query += f" AND {_JUDGED}"
    row = await one(
        conn, query, subscription_id, delivery_id, missing=f"No delivery {delivery_id}."
    )
    return msgspec.convert(dict(row), SubscriptionDelivery)


async def replay(
    conn: asyncpg.Connection, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> None:
    await conn.execute(
        """
        UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE subscriber_id = $1 AND id = $2
        """,
        subscription_id,
        delivery_id,
    )


async def replay_failed(conn: asyncpg.Connection, subscription_id: uuid.UUID) -> int:
    status = await conn.execute(
        """
        UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE subscriber_id = $1 AND status = 'failed'
        """,
        subscription_id,
    )
    return int(status.split()[-1])


async def replay_range(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    since: datetime,
    until: datetime,
) -> int:
    """Queue every event of the subscription's types in ``[since, until)`` again: a delivery
    made before is sent again from its first attempt, a missing one (an event that occurred
    while the subscription was not active) is added."""
    queued = await conn.fetchval(
        """
        WITH queued AS (
            INSERT INTO deliveries (id, subscriber_id, event_position, aggregate_id)
            SELECT gen_random_uuid(), s.id, e.position, e.aggregate_id
            FROM subscribers s
            JOIN outbox e ON e.org_id = s.org_id AND e.type = ANY (s.types)
            WHERE s.org_id = $1 AND s.id = $2 AND e.occurred_at >= $3 AND e.occurred_at < $4
            ON CONFLICT (subscriber_id, event_position) DO UPDATE
            SET status = 'pending', attempts = 0, next_attempt_at = now()
            RETURNING 1
        )
        SELECT count(*) FROM queued
        """,
        org_id,
        subscription_id,
        since,
        until,
    )
    return int(queued)
