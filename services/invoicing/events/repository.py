"""The cancellations invoicing has seen (a closing delivered after them bills nothing), and the
closings it could not bill yet (``unbilled_sessions``)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from services.kit.db import one
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import SessionClosed, UnbilledSession


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


_UNBILLED = """u.id, u.session_id, u.facilitator_id, u.closing ->> 'group_name' AS group_name,
    (u.closing ->> 'starts_at')::timestamptz AS starts_at, u.rule, u.reason, u.held_at"""
_STILL_UNBILLED = """NOT EXISTS (
    SELECT 1 FROM cost_sheets c
    WHERE c.org_id = u.org_id AND c.session_id = u.session_id AND c.superseded_at IS NULL)"""
"""A session given a cost sheet directly since (``POST /v1/cost-sheets``) is billed."""


async def hold(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    closing: SessionClosed,
    *,
    event_id: uuid.UUID,
    rule: str,
    reason: str,
) -> tuple[UnbilledSession, bool]:
    """Keep a closing that cannot be billed, with why; the row, and whether its rule is new
    (a first hold, or another cause than before)."""
    row = await conn.fetchrow(
        f"""
        WITH before AS (
            SELECT rule FROM unbilled_sessions WHERE org_id = $2 AND session_id = $3
        ), held AS (
            INSERT INTO unbilled_sessions AS u
                (id, org_id, session_id, facilitator_id, event_id, closing, rule, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (org_id, session_id) DO UPDATE
            SET rule = EXCLUDED.rule, reason = EXCLUDED.reason, tried_at = now()
            RETURNING {_UNBILLED}
        )
        SELECT held.*, (SELECT rule FROM before) IS DISTINCT FROM held.rule AS news FROM held
        """,
        uuid7(),
        org_id,
        closing.session_id,
        closing.facilitator.person_id,
        event_id,
        msgspec.to_builtins(closing),
        rule,
        reason,
    )
    values = dict(row)
    news = bool(values.pop("news"))
    return UnbilledSession(**values), news


async def unbilled_page(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, facilitator_id: uuid.UUID | None
) -> list[UnbilledSession]:
    """A page of the unbilled sessions by id; of one facilitator, when given."""
    param, where = Params(org_id), ["u.org_id = $1", _STILL_UNBILLED]
    if facilitator_id is not None:
        where.append(f"u.facilitator_id = {param(facilitator_id)}")
    query = keyset(f"SELECT {_UNBILLED} FROM unbilled_sessions u", where, param, asked, key="u.id")
    return [UnbilledSession(**row) for row in await conn.fetch(query, *param.values)]


async def unbilled(
    conn: asyncpg.Connection, org_id: uuid.UUID, unbilled_id: uuid.UUID, *, lock: bool
) -> tuple[UnbilledSession, dict[str, Any]]:
    """One unbilled session (``lock``: its row locked) and its closing as received; 404 when
    none (or billed)."""
    row = await one(
        conn,
        f"SELECT {_UNBILLED}, u.closing FROM unbilled_sessions u"
        f" WHERE u.org_id = $1 AND u.id = $2 AND {_STILL_UNBILLED}"
        + (" FOR UPDATE OF u" if lock else ""),
        org_id,
        unbilled_id,
        missing=f"No unbilled session {unbilled_id}.",
    )
    values = dict(row)
    closing = values.pop("closing")
    return UnbilledSession(**values), closing


async def forget_unbilled(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    """The session is billed or cancelled: it waits no more."""
    await conn.execute(
        "DELETE FROM unbilled_sessions WHERE org_id = $1 AND session_id = $2", org_id, session_id
    )
