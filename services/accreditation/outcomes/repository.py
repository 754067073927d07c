"""The outcomes' SQL: one outcome per (session, person, register), updated when judged again,
and the session snapshots they were judged from."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
import msgspec

from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from ..ledger.schemas import ClosedSessionIn
from .schemas import Outcome

_FIELDS = Outcome.__struct_fields__
_COLUMNS = ", ".join(_FIELDS)
_O_COLUMNS = ", ".join(f"o.{c}" for c in _FIELDS)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(2, len(_FIELDS) + 2))
_UPDATED = ", ".join(f"{c} = EXCLUDED.{c}" for c in _FIELDS if c not in {"id", "session_id"})


def _outcome(row: asyncpg.Record) -> Outcome:
    return msgspec.convert(dict(row), Outcome)


async def save_snapshot(
    conn: asyncpg.Connection, org_id: uuid.UUID, session: ClosedSessionIn
) -> None:
    """Keep the snapshot a session was judged from (the latest one, when judged again)."""
    await conn.execute(
        """
        INSERT INTO session_snapshots (org_id, session_id, snapshot) VALUES ($1, $2, $3)
        ON CONFLICT (org_id, session_id) DO UPDATE
        SET snapshot = EXCLUDED.snapshot, updated_at = now()
        WHERE session_snapshots.snapshot IS DISTINCT FROM EXCLUDED.snapshot
        """,
        org_id,
        session.session_id,
        msgspec.to_builtins(session),
    )


async def snapshot(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> ClosedSessionIn | None:
    value = await conn.fetchval(
        "SELECT snapshot FROM session_snapshots WHERE org_id = $1 AND session_id = $2",
        org_id,
        session_id,
    )
    return None if value is None else msgspec.convert(value, ClosedSessionIn)


async def of_session(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID
) -> list[Outcome]:
    """Every outcome of a session (at most its attendees times their registrations)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM outcomes WHERE org_id = $1 AND session_id = $2 ORDER BY id",
        org_id,
        session_id,
    )
    return [_outcome(row) for row in rows]


async def save(conn: asyncpg.Connection, org_id: uuid.UUID, outcome: Outcome) -> None:
    """Insert the outcome, or update the one stored for its (session, person, register)."""
    await conn.execute(
        f"""
        INSERT INTO outcomes (org_id, {_COLUMNS}) VALUES ($1, {_PLACEHOLDERS})
        ON CONFLICT (org_id, session_id, person_id, register_code) DO UPDATE SET {_UPDATED}
        """,
        org_id,
        *(getattr(outcome, name) for name in _FIELDS),
    )


async def pending_of(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> dict[uuid.UUID, set[str]]:
    """The registers a person's outcomes wait in, by session."""
    rows = await conn.fetch(
        """
        SELECT session_id, register_code FROM outcomes
        WHERE org_id = $1 AND person_id = $2 AND status = 'pending'
        ORDER BY id
        """,
        org_id,
        person_id,
    )
    pending: dict[uuid.UUID, set[str]] = {}
    for row in rows:
        pending.setdefault(row["session_id"], set()).add(row["register_code"])
    return pending


async def last_judged_session_date(
    conn: asyncpg.Connection, org_id: uuid.UUID, register_code: str
) -> date | None:
    """The date of the latest session judged (recorded or refused, not pending) in a register."""
    value = await conn.fetchval(
        """
        SELECT max(session_date) FROM outcomes
        WHERE org_id = $1 AND register_code = $2 AND status <> 'pending'
        """,
        org_id,
        register_code,
    )
    return value if isinstance(value, date) else None


def _employed_by(param: Params, employer_id: uuid.UUID) -> str:
    """The outcome's person was employed by ``employer_id`` at its session, as the session's
    stored snapshot names the attendee's employer."""
    return f"""EXISTS (SELECT 1 FROM session_snapshots s,
                              jsonb_array_elements(s.snapshot -> 'attendees') a
                       WHERE s.org_id = o.org_id AND s.session_id = o.session_id
                         AND a ->> 'person_id' = o.person_id::text
                         AND a ->> 'employer_id' = {param(str(employer_id))})"""


async def session_page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
    asked: Keyset,
    *,
    employer_id: uuid.UUID | None = None,
) -> list[Outcome]:
    """A session's outcomes, of the people ``employer_id`` employed there when it is given."""
    param, where = Params(org_id, session_id), ["o.org_id = $1", "o.session_id = $2"]
    if employer_id is not None:
        where.append(_employed_by(param, employer_id))
    query = keyset(f"SELECT {_O_COLUMNS} FROM outcomes o", where, param, asked, key="o.id")
    return [_outcome(row) for row in await conn.fetch(query, *param.values)]


async def person_page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    asked: Keyset,
    *,
    register_code: str | None,
    employer_id: uuid.UUID | None = None,
) -> list[Outcome]:
    """A person's outcomes, of one register when it is given, of the sessions where
    ``employer_id`` employed them when it is given; the statement names only the filters
    given."""
    param = Params(org_id, person_id)
    where = ["o.org_id = $1", "o.person_id = $2"]
    if register_code is not None:
        where.append(f"o.register_code = {param(register_code)}")
    if employer_id is not None:
        where.append(_employed_by(param, employer_id))
    query = keyset(f"SELECT {_O_COLUMNS} FROM outcomes o", where, param, asked, key="o.id")
    return [_outcome(row) for row in await conn.fetch(query, *param.values)]


async def employed(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID, employer_id: uuid.UUID
) -> bool:
    """Whether a stored session snapshot names ``employer_id`` as the person's employer."""
    value = await conn.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM session_snapshots s,
                                     jsonb_array_elements(s.snapshot -> 'attendees') a
                       WHERE s.org_id = $1 AND a ->> 'person_id' = $2
                         AND a ->> 'employer_id' = $3)
        """,
        org_id,
        str(person_id),
        str(employer_id),
    )
    return bool(value)


async def facilitated(
    conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether the session's stored snapshot names ``person_id`` as its facilitator."""
    value = await conn.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM session_snapshots
                       WHERE org_id = $1 AND session_id = $2
                         AND snapshot -> 'facilitator' ->> 'person_id' = $3)
        """,
        org_id,
        session_id,
        str(person_id),
    )
    return bool(value)


_CONSENTED = """EXISTS (SELECT 1 FROM consents c
                       WHERE c.org_id = o.org_id AND c.person_id = o.person_id
                         AND c.register_code = o.register_code AND c.revoked_at IS NULL
                       OFFSET 0)"""


async def registrar_page(
    conn: asyncpg.Connection, org_id: uuid.UUID, register_code: str, asked: Keyset
) -> list[Outcome]:
    """A register's outcomes of registrants who consented to it."""
    param = Params(org_id, register_code)
    where = ["o.org_id = $1", "o.register_code = $2", _CONSENTED]
    query = keyset(f"SELECT {_O_COLUMNS} FROM outcomes o", where, param, asked, key="o.id")
    return [_outcome(row) for row in await conn.fetch(query, *param.values)]
