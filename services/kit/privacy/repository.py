"""SQL of the processing log and the retention settings; every statement names the tenant,
and row-level security holds the tenant's transaction to its own rows as well."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from ..pagination import Keyset
from ..sql import Params, keyset
from .schemas import ProcessingLogEntry, RetentionRun

_ENTRY = 'id, at, actor_subject, actor_role, operation, person_id, scope, "grant", request_id'


async def entries(
    conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset, *, person_id: uuid.UUID | None
) -> list[ProcessingLogEntry]:
    """The tenant's entries in the order they were written (a person's, when given)."""
    param, where = Params(org_id), ["org_id = $1"]
    if person_id is not None:
        where.append(f"person_id = {param(person_id)}")
    query = keyset(f"SELECT {_ENTRY} FROM processing_log", where, param, asked)
    return [
        msgspec.convert(dict(row), ProcessingLogEntry)
        for row in await conn.fetch(query, *param.values)
    ]


async def chosen(conn: asyncpg.Connection, org_id: uuid.UUID) -> dict[str, asyncpg.Record]:
    """The tenant's stored settings by name (value, updated_at, updated_by)."""
    rows = await conn.fetch(
        "SELECT name, value, updated_at, updated_by FROM retention_settings WHERE org_id = $1",
        org_id,
    )
    return {row["name"]: row for row in rows}


async def last_runs(conn: asyncpg.Connection, org_id: uuid.UUID) -> dict[str, RetentionRun]:
    """The last run of each rule that removed anything in the tenant: its batches together
    (announced or not yet: a record commits with its removal), dated when the run's last
    batch ran, as ``retention.applied`` states it."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (rule) rule, ran_at, as_of, cutoff, removed FROM (
            SELECT rule, max(run_ran_at) AS ran_at, max(as_of) AS as_of,
                   max(cutoff) AS cutoff, sum(removed)::int AS removed
            FROM (SELECT *, max(ran_at) OVER (PARTITION BY run_id) AS run_ran_at
                  FROM retention_runs WHERE org_id = $1) batches
            GROUP BY rule, run_id
        ) runs
        ORDER BY rule, ran_at DESC
        """,
        org_id,
    )
    return {
        row["rule"]: RetentionRun(
            ran_at=row["ran_at"], as_of=row["as_of"], cutoff=row["cutoff"], removed=row["removed"]
        )
        for row in rows
    }


async def replace(
    conn: asyncpg.Connection, org_id: uuid.UUID, values: dict[str, int], *, by: str
) -> None:
    """The tenant's settings become ``values``: those named set, the others gone (default).

    A value unchanged keeps who set it and when."""
    await conn.execute(
        "DELETE FROM retention_settings WHERE org_id = $1 AND NOT (name = ANY($2::text[]))",
        org_id,
        list(values),
    )
    await conn.execute(
        """
        INSERT INTO retention_settings (org_id, name, value, updated_by)
        SELECT $1, s.name, s.value, $4 FROM unnest($2::text[], $3::int[]) AS s(name, value)
        ON CONFLICT (org_id, name) DO UPDATE
            SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
            WHERE retention_settings.value <> EXCLUDED.value
        """,
        org_id,
        list(values),
        list(values.values()),
        by,
    )
