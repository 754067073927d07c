from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from services.kit.errors import FieldError, NotFound
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from ..people.rules import full_name
from . import rules
from .schemas import Agreement, AgreementIn, Group, GroupIn, GroupSummary, Member, SizePolicy


class _MemberRow(msgspec.Struct, frozen=True):
    person_id: uuid.UUID
    given_name: str
    family_name: str
    career_started_on: date | None
    joined_at: datetime
    consent_at: datetime | None
    accepted_agreement_version: int | None
    accepted_at: datetime | None


_LOAD = """
    SELECT g.id, g.name, g.facilitator_id, g.mode, g.location, g.default_method_id,
           g.min_size, g.max_size, g.recommended_size, g.max_absences,
           g.seniority_spread_warning_years, g.created_at, g.updated_at,
           a.version, a.ground_rules, a.confidentiality, a.created_at AS agreement_created_at,
           coalesce((
               SELECT jsonb_agg(jsonb_build_object(
                   'person_id', m.person_id, 'given_name', p.given_name,
                   'family_name', p.family_name, 'career_started_on', p.career_started_on,
                   'joined_at', m.joined_at, 'consent_at', m.consent_at,
                   'accepted_agreement_version', m.accepted_agreement_version,
                   'accepted_at', m.accepted_at) ORDER BY m.joined_at, m.person_id)
               FROM group_members m JOIN people p ON p.org_id = m.org_id AND p.id = m.person_id
               WHERE m.org_id = g.org_id AND m.group_id = g.id AND m.left_at IS NULL
           ), '[]'::jsonb) AS members
    FROM groups g
    JOIN LATERAL (
        SELECT * FROM group_agreements ga
        WHERE ga.org_id = g.org_id AND ga.group_id = g.id
        ORDER BY ga.version DESC LIMIT 1
    ) a ON true
    WHERE g.org_id = $1 AND g.id = $2
"""


def _members(row: Mapping[str, Any]) -> list[_MemberRow]:
    return msgspec.convert(row["members"], list[_MemberRow], strict=False)


def _state(row: Mapping[str, Any], members: list[_MemberRow]) -> rules.GroupState:
    return rules.GroupState(
        facilitator_id=row["facilitator_id"],
        size=_size(row),
        seniority_spread_warning_years=row["seniority_spread_warning_years"],
        agreement_version=row["version"],
        members=[
            rules.MemberState(
                person_id=m.person_id,
                name=full_name(m.given_name, m.family_name),
                career_started_on=m.career_started_on,
                consent_at=m.consent_at,
                accepted_agreement_version=m.accepted_agreement_version,
            )
            for m in members
        ],
    )


def _size(row: Mapping[str, Any]) -> SizePolicy:
    return SizePolicy(min=row["min_size"], max=row["max_size"], recommended=row["recommended_size"])


def _group(row: Mapping[str, Any], members: list[_MemberRow], state: rules.GroupState) -> Group:
    return Group(
        id=row["id"],
        name=row["name"],
        facilitator_id=row["facilitator_id"],
        mode=row["mode"],
        location=row["location"],
        default_method_id=row["default_method_id"],
        size=state.size,
        max_absences=row["max_absences"],
        seniority_spread_warning_years=row["seniority_spread_warning_years"],
        agreement=Agreement(
            version=row["version"],
            ground_rules=row["ground_rules"],
            confidentiality=row["confidentiality"],
            created_at=row["agreement_created_at"],
        ),
        members=[
            Member(
                person_id=m.person_id,
                given_name=m.given_name,
                family_name=m.family_name,
                joined_at=m.joined_at,
                consent_at=m.consent_at,
                accepted_agreement_version=m.accepted_agreement_version,
                accepted_at=m.accepted_at,
                counts=rules.counts(s, state.agreement_version),
            )
            for m, s in zip(members, state.members, strict=True)
        ],
        warnings=rules.warnings(state),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group_id: uuid.UUID,
    *,
    lock: bool = False,
    field: str | None = None,
) -> tuple[Group, rules.GroupState]:
    """The group as answered, and the state its rules judge; ``lock`` serialises changes.

    An unknown group is a 404; ``field`` names the request field that named it.
    """
    if lock:
        await conn.execute(
            "SELECT 1 FROM groups WHERE org_id = $1 AND id = $2 FOR UPDATE", org_id, group_id
        )
    row = await conn.fetchrow(_LOAD, org_id, group_id)
    if row is None:
        errors = (
            [FieldError(field=field, rule="exists", message="no such group")] if field else None
        )
        raise NotFound(f"No group {group_id}.", errors=errors)
    members = _members(row)
    state = _state(row, members)
    return _group(row, members, state), state


async def members_at(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, at: datetime
) -> list[uuid.UUID]:
    """Members of the group who had not left when ``at`` came (ordered by id)."""
    rows = await conn.fetch(
        """
        SELECT person_id FROM group_members
        WHERE org_id = $1 AND group_id = $2 AND (left_at IS NULL OR left_at > $3)
        ORDER BY person_id
        """,
        org_id,
        group_id,
        at,
    )
    return [row["person_id"] for row in rows]


async def employers_at(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, at: datetime
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Members of the group who had not left when ``at`` came, each with their employer (the
    client organisation's id), ordered by person id."""
    rows = await conn.fetch(
        """
        SELECT m.person_id, p.employer_id
        FROM group_members m JOIN people p ON p.org_id = m.org_id AND p.id = m.person_id
        WHERE m.org_id = $1 AND m.group_id = $2 AND (m.left_at IS NULL OR m.left_at > $3)
        ORDER BY m.person_id
        """,
        org_id,
        group_id,
        at,
    )
    return {row["person_id"]: row["employer_id"] for row in rows}


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, data: GroupIn) -> uuid.UUID:
    group_id = uuid7()
    try:
        await conn.execute(
            """
            WITH g AS (
                INSERT INTO groups (org_id, id, name, facilitator_id, mode, location,
                                    default_method_id, min_size, max_size, recommended_size,
                                    max_absences, seniority_spread_warning_years)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                RETURNING org_id, id
            )
            INSERT INTO group_agreements (org_id, group_id, version, ground_rules, confidentiality)
            SELECT g.org_id, g.id, 1, $13, $14 FROM g
            """,
            org_id,
            group_id,
            data.name,
            data.facilitator_id,
            data.mode,
            data.location,
            data.default_method_id,
            data.size.min,
            data.size.max,
            data.size.recommended,
            data.max_absences,
            data.seniority_spread_warning_years,
            data.agreement.ground_rules,
            data.agreement.confidentiality,
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise NotFound(
            f"No facilitator {data.facilitator_id}: make the person a facilitator first.",
            errors=[
                FieldError(
                    field="body.facilitator_id", rule="exists", message="no such facilitator"
                )
            ],
        ) from exc
    return group_id


async def ancestors(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """Every manager above each person, at any depth."""
    rows = await conn.fetch(
        """
        WITH RECURSIVE chain(person_id, manager_id) AS (
            SELECT p.id, p.manager_id FROM people p
            WHERE p.org_id = $1 AND p.id = ANY ($2::uuid[]) AND p.manager_id IS NOT NULL
            UNION
            SELECT chain.person_id, p.manager_id FROM chain
            JOIN people p ON p.org_id = $1 AND p.id = chain.manager_id
            WHERE p.manager_id IS NOT NULL
        )
        SELECT person_id, array_agg(manager_id) AS managers FROM chain GROUP BY person_id
        """,
        org_id,
        person_ids,
    )
    return {row["person_id"]: frozenset(row["managers"]) for row in rows}


async def add_member(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """Join, or re-join after leaving (consent and acceptance are asked again)."""
    await conn.execute(
        """
        INSERT INTO group_members (org_id, group_id, person_id)
        VALUES ($1, $2, $3)
        ON CONFLICT (org_id, group_id, person_id) DO UPDATE
        SET joined_at = now(), left_at = NULL, consent_at = NULL,
            accepted_agreement_version = NULL, accepted_at = NULL
        """,
        org_id,
        group_id,
        person_id,
    )


async def _change_member(
    conn: asyncpg.Connection,
    query: str,
    org_id: uuid.UUID,
    group_id: uuid.UUID,
    person_id: uuid.UUID,
    *args: object,
) -> None:
    """One update of a current member's row (``$1`` to ``$3``: tenant, group, person)."""
    if await conn.execute(query, org_id, group_id, person_id, *args) == "UPDATE 0":
        raise _not_member(group_id, person_id)


def _not_member(group_id: uuid.UUID, person_id: uuid.UUID) -> NotFound:
    return NotFound(f"Person {person_id} is not a member of group {group_id}.")


async def remove_member(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, person_id: uuid.UUID
) -> datetime:
    """The member leaves now; when they left."""
    left_at: datetime | None = await conn.fetchval(
        """
        UPDATE group_members SET left_at = now()
        WHERE org_id = $1 AND group_id = $2 AND person_id = $3 AND left_at IS NULL
        RETURNING left_at
        """,
        org_id,
        group_id,
        person_id,
    )
    if left_at is None:
        raise _not_member(group_id, person_id)
    return left_at


async def record_consent(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    await _change_member(
        conn,
        """
        UPDATE group_members SET consent_at = coalesce(consent_at, now())
        WHERE org_id = $1 AND group_id = $2 AND person_id = $3 AND left_at IS NULL
        """,
        org_id,
        group_id,
        person_id,
    )


async def record_acceptance(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group_id: uuid.UUID,
    person_id: uuid.UUID,
    version: int,
) -> None:
    await _change_member(
        conn,
        """
        UPDATE group_members
        SET accepted_agreement_version = $4,
            accepted_at = CASE WHEN accepted_agreement_version = $4 THEN accepted_at ELSE now() END
        WHERE org_id = $1 AND group_id = $2 AND person_id = $3 AND left_at IS NULL
        """,
        org_id,
        group_id,
        person_id,
        version,
    )


async def add_agreement(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    group_id: uuid.UUID,
    data: AgreementIn,
    version: int,
) -> None:
    await conn.execute(
        """
        INSERT INTO group_agreements (org_id, group_id, version, ground_rules, confidentiality)
        VALUES ($1, $2, $3, $4, $5)
        """,
        org_id,
        group_id,
        version,
        data.ground_rules,
        data.confidentiality,
    )
    await conn.execute(
        "UPDATE groups SET updated_at = now() WHERE org_id = $1 AND id = $2", org_id, group_id
    )


_SUMMARY = """
    SELECT g.id, g.name, g.facilitator_id, g.mode, g.created_at,
           (SELECT count(*) FROM group_members m
            WHERE m.org_id = g.org_id AND m.group_id = g.id AND m.left_at IS NULL) AS members
    FROM groups g"""


def _member(person: str) -> str:
    return f"""EXISTS (SELECT 1 FROM group_members m
                       WHERE m.org_id = g.org_id AND m.group_id = g.id AND m.person_id = {person}
                         AND m.left_at IS NULL)"""


async def page(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    asked: Keyset,
    *,
    facilitator_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    visible_to: uuid.UUID | None,
) -> list[GroupSummary]:
    """A page of groups by id: those ``facilitator_id`` facilitates, ``person_id`` is a member
    of, and ``visible_to`` facilitates or is a member of (each when given)."""
    param, where = Params(org_id), ["g.org_id = $1"]
    if facilitator_id is not None:
        where.append(f"g.facilitator_id = {param(facilitator_id)}")
    if person_id is not None:
        where.append(_member(param(person_id)))
    if visible_to is not None:
        viewer = param(visible_to)
        where.append(f"(g.facilitator_id = {viewer} OR {_member(viewer)})")
    query = keyset(_SUMMARY, where, param, asked, key="g.id")
    return [GroupSummary(**dict(row)) for row in await conn.fetch(query, *param.values)]
