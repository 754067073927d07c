from __future__ import annotations

import uuid

import asyncpg
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from services.kit.auth import requires
from services.kit.errors import Conflict, FieldError, NotFound
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..principal import Principal
from ..sessions.repository import lock_bookings
from . import repository, rules
from .schemas import AcceptanceIn, AgreementIn, ConsentIn, Group, GroupIn, GroupPage, MemberIn

GroupId = FromPath[uuid.UUID]
PersonId = FromPath[uuid.UUID]
Conn = NamedDependency[asyncpg.Connection]
Me = NamedDependency[Principal]


async def _readable(conn: asyncpg.Connection, principal: Principal, group_id: uuid.UUID) -> Group:
    group, _ = await repository.load(conn, principal.org_id, group_id)
    members = [m.person_id for m in group.members]
    if not rules.may_read(principal, facilitator_id=group.facilitator_id, member_ids=members):
        raise NotFound(f"No group {group_id}.")
    return group


class GroupController(Controller):
    path = "/v1/groups"
    tags = ("groups",)

    @post(
        "/",
        operation_id="createGroup",
        guards=[requires("admin")],
        responses=problems(413, 415, 422),
    )
    async def create(self, conn: Conn, principal: Me, data: JSONBody[GroupIn]) -> Group:
        """Form a group with its facilitator, size policy and first agreement (version 1)."""
        rules.check_size_policy(data.size)
        group_id = await repository.create(conn, principal.org_id, data)
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group

    @get(
        "/{group_id:uuid}",
        operation_id="getGroup",
        guards=[requires("admin", "facilitator", "participant")],
        responses=problems(),
    )
    async def get_one(self, conn: Conn, principal: Me, group_id: GroupId) -> Group:
        """A group with its members, current agreement and warnings."""
        return await _readable(conn, principal, group_id)

    @get(
        "/",
        operation_id="listGroups",
        guards=[requires("admin", "facilitator", "participant")],
        responses=problems(),
    )
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        facilitator_id: FromQuery[uuid.UUID | None] = None,
        person_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> GroupPage:
        """Groups, a page at a time; a facilitator sees their groups, a participant theirs."""
        own_facilitator, own_member = rules.list_scope(principal)
        items = await repository.page(
            conn,
            principal.org_id,
            after=decode_cursor(cursor),
            limit=limit,
            facilitator_id=own_facilitator or facilitator_id,
            person_id=own_member or person_id,
        )
        return GroupPage(items=items[:limit], next_cursor=next_cursor([g.id for g in items], limit))

    @post(
        "/{group_id:uuid}/members",
        operation_id="addGroupMember",
        guards=[requires("admin", "facilitator")],
        responses=problems(409, 413, 415, 422),
    )
    async def add_member(
        self, conn: Conn, principal: Me, group_id: GroupId, data: JSONBody[MemberIn]
    ) -> Group:
        """Add a member: refused when the group is full, the person is its facilitator, or a
        manager relation (at any depth) links them to a member. The member counts once they
        record voluntary consent and accept the current agreement."""
        _, state = await repository.load(conn, principal.org_id, group_id, lock=True)
        rules.check_manage(principal, state.facilitator_id)
        if not await repository.person_exists(conn, principal.org_id, data.person_id):
            raise NotFound(
                f"No person {data.person_id}.",
                errors=[
                    FieldError(field="body.person_id", rule="exists", message="no such person")
                ],
            )
        everyone = [data.person_id, *(m.person_id for m in state.members)]
        ancestors = await repository.ancestors(conn, principal.org_id, everyone)
        rules.refuse_member(state, data.person_id, ancestors=ancestors)
        await lock_bookings(conn, principal.org_id)
        if clash := await repository.clashing_session(
            conn, principal.org_id, group_id, data.person_id
        ):
            raise Conflict(
                f"Session {clash[0]} of this group overlaps session {clash[1]}, "
                "which the person is already booked in.",
                errors=[
                    FieldError(
                        field="body.person_id",
                        rule="double_booking",
                        message=f"booked in {clash[1]}",
                    )
                ],
                extra={"session_id": str(clash[1])},
            )
        await repository.add_member(conn, principal.org_id, group_id, data.person_id)
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group

    @post(
        "/{group_id:uuid}/members/{person_id:uuid}/leave",
        operation_id="removeGroupMember",
        guards=[requires("admin", "facilitator", "participant")],
        status_code=HTTP_200_OK,
        responses=problems(),
    )
    async def remove_member(
        self, conn: Conn, principal: Me, group_id: GroupId, person_id: PersonId
    ) -> Group:
        """A member leaves the group (by their own choice, or the facilitator's)."""
        _, state = await repository.load(conn, principal.org_id, group_id, lock=True)
        if not rules.may_manage(principal, state.facilitator_id):
            rules.check_self_or_admin(principal, person_id)
        await repository.remove_member(conn, principal.org_id, group_id, person_id)
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group

    @post(
        "/{group_id:uuid}/members/{person_id:uuid}/consent",
        operation_id="recordConsent",
        guards=[requires("admin", "participant")],
        status_code=HTTP_200_OK,
        responses=problems(413, 415, 422),
    )
    async def consent(
        self,
        conn: Conn,
        principal: Me,
        group_id: GroupId,
        person_id: PersonId,
        data: JSONBody[ConsentIn],
    ) -> Group:
        """The member records that they take part voluntarily."""
        rules.check_self_or_admin(principal, person_id)
        rules.check_consent(data.voluntary)
        await repository.record_consent(conn, principal.org_id, group_id, person_id)
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group

    @post(
        "/{group_id:uuid}/members/{person_id:uuid}/acceptance",
        operation_id="acceptAgreement",
        guards=[requires("admin", "participant")],
        status_code=HTTP_200_OK,
        responses=problems(413, 415, 422),
    )
    async def accept(
        self,
        conn: Conn,
        principal: Me,
        group_id: GroupId,
        person_id: PersonId,
        data: JSONBody[AcceptanceIn],
    ) -> Group:
        """The member accepts the group's current agreement (ground rules, confidentiality)."""
        rules.check_self_or_admin(principal, person_id)
        _, state = await repository.load(conn, principal.org_id, group_id)
        rules.check_acceptance(data.agreement_version, state.agreement_version)
        await repository.record_acceptance(
            conn, principal.org_id, group_id, person_id, data.agreement_version
        )
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group

    @post(
        "/{group_id:uuid}/agreements",
        operation_id="reviseAgreement",
        guards=[requires("admin", "facilitator")],
        responses=problems(413, 415),
    )
    async def revise_agreement(
        self, conn: Conn, principal: Me, group_id: GroupId, data: JSONBody[AgreementIn]
    ) -> Group:
        """A new version of the agreement; members count again once they accept it."""
        _, state = await repository.load(conn, principal.org_id, group_id, lock=True)
        rules.check_manage(principal, state.facilitator_id)
        await repository.add_agreement(
            conn, principal.org_id, group_id, data, state.agreement_version + 1
        )
        group, _ = await repository.load(conn, principal.org_id, group_id)
        return group
