from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.ids import uuid7

from .schemas import Consent

_COLUMNS = "id, person_id, register_code, granted_at, revoked_at, revoked_at IS NULL AS active"


async def grant(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, register_code: str
) -> tuple[Consent, bool]:
    """Grant (again); an active grant stays as it was. Whether a grant was made now."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO consents (org_id, id, person_id, register_code, granted_at)
        VALUES ($1, $2, $3, $4, now())
        ON CONFLICT (org_id, person_id, register_code) DO UPDATE
        SET granted_at = CASE WHEN consents.revoked_at IS NULL
                              THEN consents.granted_at ELSE now() END,
            revoked_at = NULL
        RETURNING {_COLUMNS}, granted_at = now() AS granted_now
        """,
        org_id,
        uuid7(),
        person_id,
        register_code,
    )
    assert row is not None
    values = dict(row)
    granted_now = bool(values.pop("granted_now"))
    return Consent(**values), granted_now


async def revoke(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, register_code: str
) -> Consent:
    row = await conn.fetchrow(
        f"""
        UPDATE consents SET revoked_at = COALESCE(revoked_at, now())
        WHERE org_id = $1 AND person_id = $2 AND register_code = $3
        RETURNING {_COLUMNS}
        """,
        org_id,
        person_id,
        register_code,
    )
    if row is None:
        raise NotFound(f"No consent to {register_code}.")
    return Consent(**dict(row))


async def list_for(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[Consent]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM consents WHERE org_id = $1 AND person_id = $2 "
        "ORDER BY register_code",
        org_id,
        person_id,
    )
    return [Consent(**dict(row)) for row in rows]
