from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.routes import action

from ..preflight.client import Preflight, provide_preflight
from ..principal import Principal
from . import service
from .schemas import AcceptanceIn, AgreementIn, ConsentIn, Group, GroupIn, GroupPage, MemberIn

GroupId = FromPath[uuid.UUID]
PersonId = FromPath[uuid.UUID]
Me = NamedDependency[Principal]
Registers = NamedDependency[Preflight]


class GroupController(Controller):
    path = "/v1/groups"
    tags = ("groups",)

    @post(
        "/",
        operation_id="createGroup",
        opt=links(
            link("getGroup", group_id="id"),
            link("addGroupMember", group_id="id"),
            link("reviseAgreement", group_id="id"),
            link("planSessions", body={"group_id": "id"}),
            link("getGroupCalendar", group_id="id"),
            link("issueGroupCalendarFeed", group_id="id"),
        ),
        responses=problems(413, 415, rules=("size_policy",)),
    )
    async def create(self, conn: Conn, principal: Me, data: JSONBody[GroupIn]) -> Group:
        """Form a group with its facilitator, size policy and first agreement (version 1)."""
        return await service.create(conn, principal, data)

    @get("/{group_id:uuid}", operation_id="getGroup", responses=problems())
    async def get_one(self, conn: Conn, principal: Me, group_id: GroupId) -> Group:
        """A group with its members, current agreement and warnings."""
        return await service.visible(conn, principal, group_id)

    @get("/", operation_id="listGroups", responses=problems())
    async def list_page(
        self,
        conn: Conn,
        principal: Me,
        facilitator_id: FromQuery[uuid.UUID | None] = None,
        person_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> GroupPage:
        """Groups, a page at a time. An admin lists every group; anyone else the groups they
        facilitate or belong to, filtered further by `facilitator_id` and `person_id`."""
        return await service.page(
            conn,
            principal,
            keyset(cursor, limit),
            facilitator_id=facilitator_id,
            person_id=person_id,
        )

    @post(
        "/{group_id:uuid}/members",
        operation_id="addGroupMember",
        opt=links(
            link("recordConsent", group_id="id", person_id="$request.body#/person_id"),
            link(
                "acceptAgreement",
                group_id="id",
                person_id="$request.body#/person_id",
                body={"agreement_version": "agreement/version"},
            ),
        ),
        responses=problems(
            409, 413, 415, rules=("facilitator_not_member", "max_size", "no_hierarchy")
        ),
        dependencies={"registers": Provide(provide_preflight, sync_to_thread=False)},
    )
    async def add_member(
        self,
        conn: Conn,
        principal: Me,
        registers: Registers,
        group_id: GroupId,
        data: JSONBody[MemberIn],
    ) -> Group:
        """Add a member: refused when the group is full, the person is its facilitator, or a
        manager relation (at any depth) links them to a member. The member counts once they
        record voluntary consent and accept the current agreement.

        `warnings` also names each register rule the group now breaks for a register its
        members hold (field `registers.<CODE>`, e.g. `group_max` for a ninth member where
        Register Vaktherapie allows eight), as accreditation will judge its sessions; rule
        `preflight_unavailable` when accreditation could not be asked."""
        return await service.add_member(
            conn, principal, group_id, data.person_id, registers=registers
        )

    @action(
        "/{group_id:uuid}/members/{person_id:uuid}/leave",
        operation_id="removeGroupMember",
    )
    async def remove_member(
        self, conn: Conn, principal: Me, group_id: GroupId, person_id: PersonId
    ) -> Group:
        """A member leaves the group (by their own choice, or the facilitator's)."""
        return await service.remove_member(conn, principal, group_id, person_id)

    @action(
        "/{group_id:uuid}/members/{person_id:uuid}/consent",
        operation_id="recordConsent",
        errors=(413, 415),
        rules=("voluntary",),
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
        return await service.record_consent(
            conn, principal, group_id, person_id, voluntary=data.voluntary
        )

    @action(
        "/{group_id:uuid}/members/{person_id:uuid}/acceptance",
        operation_id="acceptAgreement",
        errors=(413, 415),
        rules=("current_agreement",),
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
        return await service.accept_agreement(
            conn, principal, group_id, person_id, version=data.agreement_version
        )

    @post(
        "/{group_id:uuid}/agreements",
        operation_id="reviseAgreement",
        responses=problems(413, 415),
    )
    async def revise_agreement(
        self, conn: Conn, principal: Me, group_id: GroupId, data: JSONBody[AgreementIn]
    ) -> Group:
        """A new version of the agreement; members count again once they accept it."""
        return await service.revise_agreement(conn, principal, group_id, data)
