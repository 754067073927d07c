"""Groups' use cases: each runs on the caller's connection, rules from ``rules.py`` (who may
join, who may see and manage a group), SQL from ``repository.py``; people, methods and
bookings are asked of their own domains."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from services.kit.errors import FieldError, NotFound
from services.kit.pagination import Keyset, page_of

from ..methods import repository as methods
from ..people import repository as people
from ..people.schemas import Person
from ..preflight import service as preflight
from ..preflight.client import Preflight
from ..principal import Principal
from ..sessions import bookings
from . import events, repository, rules
from .schemas import AgreementIn, Group, GroupIn, GroupPage

_MANAGERS_ONLY = "Only an admin or the group's facilitator may change this group."


def _exists(field: str, what: str) -> list[FieldError]:
    return [FieldError(field=field, rule="exists", message=f"no such {what}")]


async def find(
    conn: asyncpg.Connection, org_id: uuid.UUID, group_id: uuid.UUID, *, field: str | None = None
) -> Group:
    """The group, with its current members (in the order they joined) and whether each counts;
    an unknown group is a 404 that names ``field``."""
    group, _ = await repository.load(conn, org_id, group_id, field=field)
    return group


async def visible(
    conn: asyncpg.Connection,
    principal: Principal,
    group_id: uuid.UUID,
    *,
    field: str | None = None,
) -> Group:
    """The group, if the caller may see it (``rules.may_see``); else a 404."""
    group = await find(conn, principal.org_id, group_id, field=field)
    members = [m.person_id for m in group.members]
    if not rules.may_see(principal, facilitator_id=group.facilitator_id, member_ids=members):
        raise NotFound(f"No group {group_id}.")
    return group


async def _managed(
    conn: asyncpg.Connection,
    principal: Principal,
    group_id: uuid.UUID,
    *,
    state: rules.GroupState | None = None,
) -> rules.GroupState:
    """The group to change, its row locked, if the caller manages it (``rules.check_manages``:
    a 404 for who may not see it)."""
    if state is None:
        _, state = await repository.load(conn, principal.org_id, group_id, lock=True)
    rules.check_manages(
        principal,
        facilitator_id=state.facilitator_id,
        member_ids=[m.person_id for m in state.members],
        missing=f"No group {group_id}.",
        refusal=_MANAGERS_ONLY,
    )
    return state


async def check_method(
    conn: asyncpg.Connection, org_id: uuid.UUID, method_id: uuid.UUID, *, field: str
) -> None:
    """The catalogue's methods and the tenant's own are visible; anything else is a 404."""
    try:
        await methods.get(conn, org_id, method_id)
    except NotFound as exc:
        raise NotFound(f"No method {method_id}.", errors=_exists(field, "method")) from exc


async def create(conn: asyncpg.Connection, principal: Principal, data: GroupIn) -> Group:
    rules.check_size_policy(data.size)
    if data.default_method_id is not None:
        await check_method(
            conn, principal.org_id, data.default_method_id, field="body.default_method_id"
        )
    group_id = await repository.create(conn, principal.org_id, data)
    return await find(conn, principal.org_id, group_id)


async def page(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    facilitator_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
) -> GroupPage:
    """Everyone's groups for an admin; anyone else's list holds the groups they facilitate or
    belong to (``rules.narrowed_to``), filtered further as asked."""
    items = await repository.page(
        conn,
        principal.org_id,
        asked,
        facilitator_id=facilitator_id,
        person_id=person_id,
        visible_to=rules.narrowed_to(principal),
    )
    return page_of(GroupPage, items, asked.limit)


async def _check_person(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> Person:
    try:
        return await people.get(conn, org_id, person_id)
    except NotFound as exc:
        raise NotFound(
            f"No person {person_id}.", errors=_exists("body.person_id", "person")
        ) from exc


async def add_member(
    conn: asyncpg.Connection,
    principal: Principal,
    group_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    registers: Preflight,
) -> Group:
    """Refused when the group is full, the person is its facilitator, a manager relation (at
    any depth) links them to a member, or one of its planned sessions would book them twice.
    The answer warns of the register rules the group now breaks (accreditation's preflight,
    asked in the transaction, after the member is added); the join is announced
    (``group.member_added``)."""
    org_id = principal.org_id
    state = await _managed(conn, principal, group_id)
    person = await _check_person(conn, org_id, person_id)
    everyone = [person_id, *(m.person_id for m in state.members)]
    ancestors = await repository.ancestors(conn, org_id, everyone)
    rules.refuse_member(state, person_id, ancestors=ancestors)
    clash = await bookings.clash_on_joining(conn, org_id, group_id=group_id, person_id=person_id)
    if clash is not None and clash.own_session_id is not None:
        raise rules.booked_elsewhere(clash.own_session_id, bookings.clash_for(principal, clash))
    await repository.add_member(conn, org_id, group_id, person_id)
    group = await find(conn, org_id, group_id)
    await events.emit(conn, org_id, events.member_added(group, person))
    warnings = await preflight.joined(conn, org_id, group, registers)
    return msgspec.structs.replace(group, warnings=[*group.warnings, *warnings])


async def remove_member(
    conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID, person_id: uuid.UUID
) -> Group:
    """A member leaves by their own choice, or the facilitator's (or an admin's); announced
    (``group.member_left``)."""
    org_id = principal.org_id
    _, state = await repository.load(conn, org_id, group_id, lock=True)
    if principal.person != person_id:
        await _managed(conn, principal, group_id, state=state)
    left_at = await repository.remove_member(conn, org_id, group_id, person_id)
    group = await find(conn, org_id, group_id)
    person = await people.get(conn, org_id, person_id)
    await events.emit(conn, org_id, events.member_left(group, person, left_at=left_at))
    return group


async def record_consent(
    conn: asyncpg.Connection,
    principal: Principal,
    group_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    voluntary: bool,
) -> Group:
    rules.check_self_or_admin(principal, person_id)
    rules.check_consent(voluntary)
    await repository.record_consent(conn, principal.org_id, group_id, person_id)
    return await find(conn, principal.org_id, group_id)


async def accept_agreement(
    conn: asyncpg.Connection,
    principal: Principal,
    group_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    version: int,
) -> Group:
    rules.check_self_or_admin(principal, person_id)
    _, state = await repository.load(conn, principal.org_id, group_id)
    rules.check_acceptance(version, state.agreement_version)
    await repository.record_acceptance(conn, principal.org_id, group_id, person_id, version)
    return await find(conn, principal.org_id, group_id)


async def revise_agreement(
    conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID, data: AgreementIn
) -> Group:
    state = await _managed(conn, principal, group_id)
    await repository.add_agreement(
        conn, principal.org_id, group_id, data, state.agreement_version + 1
    )
    return await find(conn, principal.org_id, group_id)
