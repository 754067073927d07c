"""The cancellations invoicing has seen: a closing delivered after them bills nothing."""

from __future__ import annotations

import uuid

import asyncpg


async def is_cancelled(conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID) -> bool:
    value = await conn.fetchval(
        "SELECT true FROM cancelled_sessions WHERE org_id = $1 AND session_id = $2",
        org_id,
        session_id,
    )
    return bool(value)


async def record_cancellation(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    reason: str,
) -> None:
    """Remember the cancellation, so a closing replayed after it bills nothing."""
    await conn.execute(
        """
        INSERT INTO cancelled_sessions (org_id, session_id, event_id, reason)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
        """,
        org_id,
        session_id,
        event_id,
        reason,
    )
