"""The relay's SQL: due deliveries claimed for a lease, outcomes recorded while it holds.

A claim is one short transaction: it takes due deliveries ``FOR UPDATE SKIP LOCKED`` (so
replicas share the work), sets ``claimed_until`` and ``claimed_by`` and commits; the sends
happen after, outside any transaction. A delivery is due when it is pending, its time has
come, no lease on it runs, and every earlier delivery of its aggregate to its subscriber is
done (delivered, or skipped as one the subscriber may not read): so one subscriber never has two
deliveries of one aggregate in flight, nor a later one before an earlier. Each subscriber gets
at most ``per_subscriber`` unexpired leases at once, all replicas together (a race between two
claims may pass it by one claim's worth), so a hung receiver holds only its own.

An outcome is recorded in a transaction of its own, and only while the lease it was claimed
under is still the delivery's (same owner, same term): a replica that was killed or stalled
past its lease finds the delivery claimed again, or done, and changes nothing; its attempt is
still logged. A lease that ran out makes the delivery due again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import asyncpg
import msgspec

from . import outbox
from .schemas import Outbound
from .sending import Outcome

DISABLED = "subscription.disabled"

_CLAIM = """
    WITH claimed AS (
        SELECT due.id
        FROM subscribers s
        CROSS JOIN LATERAL (
            SELECT d.id FROM deliveries d
            WHERE d.subscriber_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= now()
              AND (d.claimed_until IS NULL OR d.claimed_until < now())
              AND NOT EXISTS (
                  SELECT 1 FROM deliveries earlier
                  WHERE earlier.subscriber_id = d.subscriber_id
                    AND earlier.aggregate_id = d.aggregate_id
                    AND earlier.status NOT IN ('delivered', 'skipped')
                    AND earlier.event_position < d.event_position)
            ORDER BY d.event_position
            LIMIT greatest(0, $1::int - (
                SELECT count(*) FROM deliveries leased
                WHERE leased.subscriber_id = s.id AND leased.claimed_by IS NOT NULL
                  AND leased.status = 'pending' AND leased.claimed_until >= now()))
            FOR UPDATE OF d SKIP LOCKED
        ) due
        WHERE s.status = 'active'
        LIMIT $2
    )
    UPDATE deliveries d
    SET claimed_until = now() + make_interval(secs => $3), claimed_by = $4
    FROM claimed, subscribers s, outbox e
    WHERE d.id = claimed.id AND s.id = d.subscriber_id AND e.position = d.event_position
    RETURNING d.id, d.attempts, d.claimed_until, d.claimed_by,
              s.id AS subscriber_id, s.name AS subscriber, s.org_id AS subscriber_org_id,
              s.url, s.secret, s.reader,
              CASE WHEN s.previous_secret_until > now() THEN s.previous_secret END
                  AS previous_secret,
              e.id AS event_id, e.type, e.org_id, e.aggregate_id, e.payload, e.correlation_id,
              e.occurred_at
"""

_RECORD = """
    WITH attempt AS (
        INSERT INTO delivery_attempts
            (delivery_id, duration_ms, status_code, error, response_excerpt)
        VALUES ($1, $2, $3, $4, $5)
    )
    UPDATE deliveries
    SET attempts = attempts + 1, status = $6,
        delivered_at = CASE WHEN $6 = 'delivered' THEN now() END,
        next_attempt_at = now() + make_interval(secs => $7),
        last_error = $4, claimed_until = NULL, claimed_by = NULL
    WHERE id = $1 AND status = 'pending' AND claimed_by = $8 AND claimed_until = $9
    RETURNING id
"""

_UNCLAIM = """
    UPDATE deliveries SET claimed_until = NULL, claimed_by = NULL
    WHERE id = $1 AND status = 'pending' AND claimed_by = $2 AND claimed_until = $3
    RETURNING id
"""


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery this replica may send until ``claimed_until``, with what it sends."""

    id: uuid.UUID
    attempts: int
    claimed_until: datetime
    claimed_by: str
    subscriber_id: uuid.UUID
    subscriber: str
    subscriber_org_id: uuid.UUID | None
    """``None`` for an operator's subscriber (``KRING_WEBHOOK_SUBSCRIBERS``)."""
    url: str
    secrets: list[str]
    """The subscriber's secret, and the one it replaces while both sign."""
    reader: Any
    """Who the subscription reads as (a tenant's; ``None`` for an operator's)."""
    event: outbox.Event


class SubscriptionDisabledData(Outbound, frozen=True):
    """Kring stopped sending to one of the organisation's webhook subscriptions: its endpoint
    answered 410 Gone, or every attempt of one delivery failed over about three days. The
    subscription receives nothing (its events wait) until it is resumed; this event goes to the
    organisation's other subscriptions and its event feed, never to the disabled one."""

    subscription_id: uuid.UUID
    url: str
    reason: Literal["gone", "failing"]
    """``gone``: the endpoint answered 410; ``failing``: a delivery's every attempt failed."""
    detail: str
    """The reason in a sentence, as the subscription's ``disabled_reason`` shows it."""
    event_id: uuid.UUID
    """The event whose delivery failed."""
    disabled_at: datetime


async def claim(
    conn: asyncpg.Connection, *, replica: str, lease: float, per_subscriber: int, limit: int
) -> list[Claim]:
    """Claim due deliveries for ``lease`` seconds (commits when ``conn`` is in no transaction)."""
    rows = await conn.fetch(_CLAIM, per_subscriber, limit, lease, replica)
    return [_claim_of(row) for row in rows]


def _claim_of(row: asyncpg.Record) -> Claim:
    return Claim(
        id=row["id"],
        attempts=row["attempts"],
        claimed_until=row["claimed_until"],
        claimed_by=row["claimed_by"],
        subscriber_id=row["subscriber_id"],
        subscriber=row["subscriber"],
        subscriber_org_id=row["subscriber_org_id"],
        url=row["url"],
        secrets=[row["secret"], *([row["previous_secret"]] if row["previous_secret"] else [])],
        reader=row["reader"],
        event=outbox.event_of(row, id_column="event_id"),
    )


async def record(
    conn: asyncpg.Connection,
    claim: Claim,
    outcome: Outcome,
    *,
    status: Literal["delivered", "pending", "failed"],
    retry_in: float = 0.0,
) -> bool:
    """Log the attempt, and set the delivery's new ``status`` if ``claim``'s lease still holds."""
    recorded = await conn.fetchval(
        _RECORD,
        claim.id,
        outcome.duration_ms,
        outcome.status_code,
        outcome.error,
        outcome.excerpt,
        status,
        retry_in,
        claim.claimed_by,
        claim.claimed_until,
    )
    return recorded is not None


async def skip(conn: asyncpg.Connection, claim: Claim) -> bool:
    """Mark a delivery its subscriber may not read as skipped, never sent (lease permitting)."""
    return (
        await conn.fetchval(
            """
            UPDATE deliveries SET status = 'skipped', claimed_until = NULL, claimed_by = NULL
            WHERE id = $1 AND status = 'pending' AND claimed_by = $2 AND claimed_until = $3
            RETURNING id
            """,
            claim.id,
            claim.claimed_by,
            claim.claimed_until,
        )
        is not None
    )


async def unclaim(conn: asyncpg.Connection, claim: Claim) -> None:
    """Give a claim back unsent, due again at once (it is too late to send within its lease)."""
    await conn.fetchval(_UNCLAIM, claim.id, claim.claimed_by, claim.claimed_until)


async def unclaim_all(conn: asyncpg.Connection, replica: str) -> None:
    """Give back every lease of ``replica`` still open (it is stopping)."""
    await conn.execute(
        """
        UPDATE deliveries SET claimed_until = NULL, claimed_by = NULL
        WHERE claimed_by = $1 AND status = 'pending'
        """,
        replica,
    )


async def disable(
    conn: asyncpg.Connection,
    claim: Claim,
    *,
    reason: Literal["gone", "failing"],
    detail: str,
    channel: str,
) -> bool:
    """Disable ``claim``'s subscription (a tenant's) and announce it to the tenant's other
    subscriptions and feed, in the caller's transaction; False when it was not active."""
    assert claim.subscriber_org_id is not None, "an operator's subscriber is never disabled"
    disabled_at = await conn.fetchval(
        """
        UPDATE subscribers
        SET status = 'disabled', disabled_reason = $2, status_changed_at = now(),
            updated_at = now()
        WHERE id = $1 AND status = 'active'
        RETURNING status_changed_at
        """,
        claim.subscriber_id,
        detail,
    )
    if disabled_at is None:
        return False
    await outbox.emit(
        conn,
        org_id=claim.subscriber_org_id,
        type=DISABLED,
        aggregate_id=claim.subscriber_id,
        payload=SubscriptionDisabledData(
            subscription_id=claim.subscriber_id,
            url=claim.url,
            reason=reason,
            detail=detail,
            event_id=claim.event.id,
            disabled_at=disabled_at,
        ),
        channel=channel,
    )
    return True


async def backlog(conn: asyncpg.Connection) -> list[tuple[str, int]]:
    """Each subscriber's pending deliveries (its backlog), by name."""
    rows = await conn.fetch(
        """
        SELECT s.name, count(d.id) AS pending
        FROM subscribers s
        LEFT JOIN deliveries d ON d.subscriber_id = s.id AND d.status = 'pending'
        GROUP BY s.name
        """
    )
    return [(row["name"], row["pending"]) for row in rows]
