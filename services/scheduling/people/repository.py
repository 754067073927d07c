from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import FieldError, NotFound
from services.kit.ids import uuid7

from .schemas import Person, PersonIn

_COLUMNS = "id, external_id, given_name, family_name, email, employer_id, created_at, updated_at"


def _person(row: asyncpg.Record) -> Person:
    return Person(**dict(row))


async def upsert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    external_id: str,
    data: PersonIn,
    *,
    employer_id: uuid.UUID | None,
) -> tuple[Person, bool]:
    """Create or update by ``external_id``; ``updated_at`` moves only when something changed."""
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO people
                (org_id, id, external_id, given_name, family_name, email, employer_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (org_id, external_id) DO UPDATE
            SET given_name = EXCLUDED.given_name,
                family_name = EXCLUDED.family_name,
                email = EXCLUDED.email,
                employer_id = EXCLUDED.employer_id,
                updated_at = CASE
                    WHEN (people.given_name, people.family_name, people.email,
                          people.employer_id)
                         IS DISTINCT FROM
                         (EXCLUDED.given_name, EXCLUDED.family_name, EXCLUDED.email,
                          EXCLUDED.employer_id)
                    THEN now() ELSE people.updated_at END
            RETURNING {_COLUMNS}, (xmax = 0) AS inserted
            """,
            org_id,
            uuid7(),
            external_id,
            data.given_name,
            data.family_name,
            data.email,
            employer_id,
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise NotFound(
            f"No client organisation {employer_id}.",
            errors=[
                FieldError(
                    field="body.employer_id", rule="exists", message="no such client organisation"
                )
            ],
        ) from exc
    assert row is not None
    values = dict(row)
    inserted = values.pop("inserted")
    return Person(**values), inserted


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> Person:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM people WHERE org_id = $1 AND id = $2", org_id, person_id
    )
    if row is None:
        raise NotFound(f"No person {person_id}.")
    return _person(row)


async def get_by_external_id(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str
) -> Person:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM people WHERE org_id = $1 AND external_id = $2", org_id, external_id
    )
    if row is None:
        raise NotFound(f"No person with external id {external_id!r}.")
    return _person(row)


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    *,
    after: uuid.UUID | None,
    limit: int,
    employer_id: uuid.UUID | None,
) -> list[Person]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM people
        WHERE org_id = $1
          AND ($2::uuid IS NULL OR id > $2)
          AND ($3::uuid IS NULL OR employer_id = $3)
        ORDER BY id
        LIMIT $4
        """,
        org_id,
        after,
        employer_id,
        limit + 1,
    )
    return [_person(row) for row in rows]
