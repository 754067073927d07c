"""One person at a time: read, list, and upsert by external id with their registrations."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from services.kit.db import one
from services.kit.errors import FieldError, NotFound, RuleViolation
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .. import rules
from ..schemas import Person, PersonIn, Registration
from .columns import CHANGED, INSERTED, UPDATED

_REGISTRATIONS = """
    coalesce((
        SELECT jsonb_agg(jsonb_build_object('register', r.register, 'number', r.number,
                                            'registered_on', r.registered_on)
                         ORDER BY r.register)
        FROM person_registrations r WHERE r.org_id = p.org_id AND r.person_id = p.id
    ), '[]'::jsonb) AS registrations
"""
_SELECT = f"""
    SELECT p.id, p.external_id, p.given_name, p.family_name, p.email, p.employer_id,
           p.manager_id, p.career_started_on, p.created_at, p.updated_at, {_REGISTRATIONS}
    FROM people p
"""


def _person(row: asyncpg.Record) -> Person:
    values = dict(row)
    values["registrations"] = msgspec.convert(values["registrations"], list[Registration])
    return Person(**values)


async def manager_chain_loops(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str, manager_id: uuid.UUID
) -> bool:
    """Whether ``manager_id`` is the person with ``external_id`` or reports to them, at any
    depth: the manager chain would loop."""
    loops = await conn.fetchval(
        """
        WITH RECURSIVE chain(id) AS (
            SELECT $3::uuid
            UNION
            SELECT p.manager_id FROM people p JOIN chain ON p.id = chain.id
            WHERE p.org_id = $1 AND p.manager_id IS NOT NULL
        )
        SELECT EXISTS (
            SELECT 1 FROM people p JOIN chain ON p.id = chain.id
            WHERE p.org_id = $1 AND p.external_id = $2
        )
        """,
        org_id,
        external_id,
        manager_id,
    )
    return bool(loops)


async def upsert(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    external_id: str,
    data: PersonIn,
    *,
    employer_id: uuid.UUID | None,
    erased_key: bytes,
    confined_to: uuid.UUID | None = None,
) -> tuple[Person, rules.Written] | None:
    """Create or update by ``external_id`` with its registrations, in one statement: the
    person, and what writing them did; ``None`` when nothing was written.

    ``updated_at`` moves only when a column of the person changed; unchanged registrations
    are not rewritten. Nothing is written for the HR id of a person since erased (a tombstone
    holds ``erased_key``, ADR 0098), nor over an erased person (their pseudonym), nor, with
    ``confined_to`` (an HR client's organisation), over a person employed elsewhere.
    """
    registrations = sorted(data.registrations, key=lambda r: r.register)
    try:
        row = await conn.fetchrow(
            f"""
            WITH person AS (
                INSERT INTO people AS p ({INSERTED})
                SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::uuid,
                       $8::uuid, $9::date
                WHERE NOT EXISTS (
                    SELECT 1 FROM erased_external_ids e WHERE e.org_id = $1 AND e.key = $14
                )
                ON CONFLICT (org_id, external_id) DO UPDATE
                SET {UPDATED},
                    updated_at = CASE WHEN {CHANGED} THEN now() ELSE p.updated_at END
                WHERE ($13::uuid IS NULL OR p.employer_id = $13) AND p.erased_at IS NULL
                RETURNING p.*, (xmax = 0) AS inserted
            ),
            wanted AS (
                SELECT * FROM unnest($10::text[], $11::text[], $12::date[])
                    AS w(register, number, registered_on)
            ),
            removed AS (
                DELETE FROM person_registrations r USING person
                WHERE r.org_id = $1 AND r.person_id = person.id
                  AND r.register <> ALL ($10::text[])
                RETURNING r.person_id
            ),
            stored AS (
                INSERT INTO person_registrations AS r (org_id, person_id, register, number,
                                                       registered_on)
                SELECT $1, person.id, wanted.register, wanted.number, wanted.registered_on
                FROM person, wanted
                ON CONFLICT (org_id, person_id, register) DO UPDATE
                SET number = EXCLUDED.number, registered_on = EXCLUDED.registered_on
                WHERE (r.number, r.registered_on)
                      IS DISTINCT FROM (EXCLUDED.number, EXCLUDED.registered_on)
                RETURNING r.person_id
            )
            -- updated_at is now() (the transaction's time) exactly when a column changed
            SELECT id, external_id, given_name, family_name, email, employer_id, manager_id,
                   career_started_on, created_at, updated_at, inserted,
                   updated_at = now() AS changed,
                   EXISTS (SELECT 1 FROM removed) OR EXISTS (SELECT 1 FROM stored)
                       AS registrations_changed
            FROM person
            """,
            org_id,
            uuid7(),
            external_id,
            data.given_name,
            data.family_name,
            data.email,
            employer_id,
            data.manager_id,
            data.career_started_on,
            [r.register for r in registrations],
            [r.number for r in registrations],
            [r.registered_on for r in registrations],
            confined_to,
            erased_key,
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise _missing_reference(exc, data, employer_id) from exc
    except asyncpg.CheckViolationError as exc:
        raise RuleViolation(
            "A person cannot be their own manager.",
            errors=[
                FieldError(field="body.manager_id", rule="manager_cycle", message="own manager")
            ],
        ) from exc
    if row is None:  # erased, or employed elsewhere (see the WHERE of each)
        return None
    values = dict(row)
    written = rules.Written(
        id=values["id"],
        inserted=values.pop("inserted"),
        changed=values.pop("changed"),
        registrations_changed=values.pop("registrations_changed"),
    )
    return Person(**values, registrations=registrations), written


def _missing_reference(
    exc: asyncpg.ForeignKeyViolationError, data: PersonIn, employer_id: uuid.UUID | None
) -> NotFound:
    field, what = (
        ("employer_id", "client organisation")
        if "employer" in (exc.constraint_name or "")
        else ("manager_id", "person")
    )
    missing = data.manager_id if field == "manager_id" else employer_id
    return NotFound(
        f"No {what} {missing}.",
        errors=[FieldError(field=f"body.{field}", rule="exists", message=f"no such {what}")],
    )


async def get(conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID) -> Person:
    query = _SELECT + " WHERE p.org_id = $1 AND p.id = $2"
    return _person(await one(conn, query, org_id, person_id, missing=f"No person {person_id}."))


async def get_by_external_id(
    conn: asyncpg.Connection, org_id: uuid.UUID, external_id: str
) -> Person:
    query = _SELECT + " WHERE p.org_id = $1 AND p.external_id = $2"
    missing = f"No person with external id {external_id!r}."
    return _person(await one(conn, query, org_id, external_id, missing=missing))


_FACILITATED = """
    (p.id = {me} OR p.id IN (
        SELECT m.person_id FROM group_members m
        JOIN groups g ON g.org_id = m.org_id AND g.id = m.group_id
        WHERE m.org_id = p.org_id AND g.facilitator_id = {me}
    ))
"""
"""The facilitator ``me`` and the people of the groups it facilitates, those who left too."""


async def employs(
    conn: asyncpg.Connection, org_id: uuid.UUID, employer_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether ``person_id`` is a person employed by ``employer_id``."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM people WHERE org_id = $1 AND id = $2"
            " AND employer_id = $3)",
            org_id,
            person_id,
            employer_id,
        )
    )


async def facilitated_by(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether ``person_id`` is ``facilitator_id`` or a member (now or once) of a group it
    facilitates."""
    where = _FACILITATED.format(me="$2")
    query = f"SELECT EXISTS (SELECT 1 FROM people p WHERE p.org_id = $1 AND p.id = $3 AND {where})"
    return bool(await conn.fetchval(query, org_id, facilitator_id, person_id))


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    employer_id: uuid.UUID | None,
    facilitated_by: uuid.UUID | None = None,
) -> list[Person]:
    """A page of people by id; of one employer, when given; of the groups a facilitator
    facilitates (and the facilitator), when given."""
    param, where = Params(org_id), ["p.org_id = $1"]
    if employer_id is not None:
        where.append(f"p.employer_id = {param(employer_id)}")
    if facilitated_by is not None:
        where.append(_FACILITATED.format(me=param(facilitated_by)))
    query = keyset(_SELECT, where, param, asked, key="p.id")
    return [_person(row) for row in await conn.fetch(query, *param.values)]


async def registrations(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Registration]]:
    """The registrations each of ``person_ids`` holds (no entry for an unknown person)."""
    rows = await conn.fetch(
        "SELECT p.id, " + _REGISTRATIONS + " FROM people p WHERE p.org_id = $1 AND p.id = ANY($2)",
        org_id,
        person_ids,
    )
    return {row["id"]: msgspec.convert(row["registrations"], list[Registration]) for row in rows}
