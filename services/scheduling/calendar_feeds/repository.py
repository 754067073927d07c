"""SQL of calendar feed URLs: one live URL per owner, each kept by the hash of its token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.kit.ids import uuid7

from .schemas import FeedUrl, OwnerKind

_COLUMNS = "id, created_at, created_by, content_changed_at"


@dataclass(frozen=True, slots=True)
class Holder:
    """The live feed URL a token opens, found before its tenant is known."""

    org_id: uuid.UUID
    id: uuid.UUID
    owner_kind: OwnerKind
    owner_id: uuid.UUID
    content_tag: str | None
    content_changed_at: datetime | None


async def holder(conn: asyncpg.Connection, token_hash: bytes) -> Holder | None:
    """The live URL whose token hashes to ``token_hash``, in any tenant (``SECURITY DEFINER``:
    no tenant is set yet), or ``None``."""
    row = await conn.fetchrow("SELECT * FROM calendar_feed_holder($1)", token_hash)
    return None if row is None else Holder(**dict(row))


async def enter(conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
    """Scope the rest of the transaction to ``org_id`` (row-level security), as a request's
    transaction is from its start."""
    await conn.execute("SELECT set_config('app.org_id', $1, true)", str(org_id))


async def served(
    conn: asyncpg.Connection, org_id: uuid.UUID, feed_id: uuid.UUID, content_tag: str
) -> datetime | None:
    """Record that the feed now answers ``content_tag``: when that differs from the tag kept,
    its change moment becomes now in whole seconds, and always later than the one before.
    The moment kept for that tag; ``None`` once the URL was revoked meanwhile."""
    changed: datetime | None = await conn.fetchval(
        """
        UPDATE calendar_feeds
        SET content_tag = $3,
            content_changed_at = CASE
                WHEN content_tag IS DISTINCT FROM $3 THEN greatest(
                    date_trunc('second', now()), content_changed_at + interval '1 second')
                ELSE content_changed_at END
        WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL
        RETURNING content_changed_at
        """,
        org_id,
        feed_id,
        content_tag,
    )
    return changed


async def live(
    conn: asyncpg.Connection, org_id: uuid.UUID, kind: OwnerKind, owner_id: uuid.UUID
) -> FeedUrl | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM calendar_feeds"
        " WHERE org_id = $1 AND owner_kind = $2 AND owner_id = $3 AND revoked_at IS NULL",
        org_id,
        kind,
        owner_id,
    )
    return None if row is None else FeedUrl(**dict(row))


async def create(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    kind: OwnerKind,
    owner_id: uuid.UUID,
    *,
    token_hash: bytes,
    by: str,
) -> FeedUrl:
    """A new live URL for an owner that has none (writes on one owner queue: ``kit.etags``)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO calendar_feeds (org_id, id, owner_kind, owner_id, token_hash, created_by)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING {_COLUMNS}
        """,
        org_id,
        uuid7(),
        kind,
        owner_id,
        token_hash,
        by,
    )
    assert row is not None
    return FeedUrl(**dict(row))


async def revoke(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    kind: OwnerKind,
    owner_id: uuid.UUID,
    *,
    by: str,
    because: str,
) -> None:
    """End the owner's live URL, if any (``because``: ``rotated`` or ``revoked``)."""
    await conn.execute(
        """
        UPDATE calendar_feeds SET revoked_at = now(), revoked_by = $4, revoked_because = $5
        WHERE org_id = $1 AND owner_kind = $2 AND owner_id = $3 AND revoked_at IS NULL
        """,
        org_id,
        kind,
        owner_id,
        by,
        because,
    )
