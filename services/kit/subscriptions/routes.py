"""``/v1/webhook-subscriptions``: the same operations in every producing service."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from litestar import Controller, Router, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from .. import safeurl
from ..db import Conn
from ..links import link, links
from ..openapi import problems
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from ..principal import Principal
from ..routes import action
from . import service
from .rules import EVENT_TYPE_RULES, REPLAY_RULES, SECRET_RULES
from .schemas import (
    CreatedSubscription,
    DeliveryStatus,
    Replayed,
    ReplayIn,
    ResumeIn,
    RotatedSecret,
    RotateIn,
    Subscription,
    SubscriptionChange,
    SubscriptionDelivery,
    SubscriptionDeliveryPage,
    SubscriptionIn,
    SubscriptionPage,
)
from .service import Policy

SubscriptionId = FromPath[uuid.UUID]
CREATE_RULES = (*safeurl.RULES, *EVENT_TYPE_RULES, *SECRET_RULES, "subscription_limit")


class WebhookSubscriptionController(Controller):
    path = "/v1/webhook-subscriptions"
    tags = ("webhook subscriptions",)

    @post(
        "/",
        operation_id="createWebhookSubscription",
        opt=links(
            *(
                link(target, subscription_id="id")
                for target in (
                    "getWebhookSubscription",
                    "updateWebhookSubscription",
                    "pauseWebhookSubscription",
                    "resumeWebhookSubscription",
                    "rotateWebhookSubscriptionSecret",
                    "listWebhookSubscriptionDeliveries",
                )
            )
        ),
        status_code=HTTP_201_CREATED,
        responses=problems(413, 415, rules=CREATE_RULES),
    )
    async def create(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        data: JSONBody[SubscriptionIn],
    ) -> CreatedSubscription:
        """Subscribe a URL to event types of this service. The answer holds the signing
        secret, shown only here; every delivery is a Standard Webhook signed with it.

        The subscription receives what its creator may read of each event (`reader`, as
        in `GET /v1/events`): an HR client only events about its client organisation's
        people, each snapshot reduced to them. Refused with a 422 naming the rule: a URL
        that is not `https` (`url_https`), carries a user name or password
        (`url_userinfo`), does not resolve (`url_unresolvable`) or resolves to a private,
        loopback, link-local, CGNAT, multicast, reserved or metadata address
        (`url_address`); an event type this service does not send
        (`unknown_event_type`) or one named twice (`duplicate_event_type`); a secret of
        fewer than 24 or more than 64 bytes (`secret_too_short`, `secret_too_long`) or not
        base64 (`secret_format`); more than 50 subscriptions in the
        organisation (`subscription_limit`). A URL over 2048 characters is a 400."""
        return await service.create(conn, principal, data, policy)

    @get("/", operation_id="listWebhookSubscriptions", responses=problems())
    async def list_page(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> SubscriptionPage:
        """The organisation's subscriptions in creation order, a page at a time (an HR
        client's: its own). The operator's configured subscribers are not listed."""
        return await service.page(conn, principal, keyset(cursor, limit), policy)

    @get("/{subscription_id:uuid}", operation_id="getWebhookSubscription", responses=problems())
    async def get_one(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
    ) -> Subscription:
        """One subscription (never its secret)."""
        return await service.get(conn, principal, subscription_id, policy)

    @put(
        "/{subscription_id:uuid}",
        operation_id="updateWebhookSubscription",
        responses=problems(413, 415, rules=(*safeurl.RULES, *EVENT_TYPE_RULES)),
    )
    async def replace(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        data: JSONBody[SubscriptionChange],
    ) -> Subscription:
        """Replace the subscription's URL, event types and description (checked as when
        it was created); its status and secret stay."""
        return await service.replace(conn, principal, subscription_id, data, policy)

    @delete(
        "/{subscription_id:uuid}",
        operation_id="deleteWebhookSubscription",
        responses=problems(),
    )
    async def remove(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
    ) -> None:
        """Delete the subscription with its delivery log; nothing more is sent to it."""
        await service.delete(conn, principal, subscription_id, policy)

    @action(
        "/{subscription_id:uuid}/pause",
        operation_id="pauseWebhookSubscription",
        errors=(409,),
    )
    async def pause(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
    ) -> Subscription:
        """Stop sending until resumed: events meanwhile are not queued (resume with
        `backlog` to have them). A disabled subscription is resumed instead (409,
        `subscription_disabled`)."""
        return await service.pause(conn, principal, subscription_id, policy)

    @action(
        "/{subscription_id:uuid}/resume",
        operation_id="resumeWebhookSubscription",
        errors=(413, 415),
        rules=safeurl.RULES,
    )
    async def resume(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        data: JSONBody[ResumeIn],
    ) -> Subscription:
        """Send again to a paused or disabled subscription, its URL checked again (a 422
        as at creation). With `backlog`, also what it missed: its failed deliveries and
        the events of its types that occurred since it stopped, in order per aggregate."""
        return await service.resume(conn, principal, subscription_id, data, policy)

    @action(
        "/{subscription_id:uuid}/rotate-secret",
        operation_id="rotateWebhookSubscriptionSecret",
        errors=(413, 415),
        rules=SECRET_RULES,
    )
    async def rotate(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        data: JSONBody[RotateIn],
    ) -> RotatedSecret:
        """A new signing secret (yours, or generated), shown only in this answer. For
        24 hours (`previous_secret_until`) each delivery carries a signature
        with the previous secret too, so a receiver can switch without losing one."""
        return await service.rotate(conn, principal, subscription_id, data, policy)

    @get(
        "/{subscription_id:uuid}/deliveries",
        operation_id="listWebhookSubscriptionDeliveries",
        responses=problems(),
    )
    async def deliveries(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        status: FromQuery[DeliveryStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> SubscriptionDeliveryPage:
        """The subscription's delivery log, the latest event first: each delivery's status,
        attempts and their answers (status, excerpt of the body, error). A subscription's
        creator (an HR client) sees a delivery once it was first sent: one skipped, or not
        sent yet (which may be of an event it may not read), only the tenant's operators see."""
        asked = keyset(cursor, limit)
        return await service.deliveries(
            conn, principal, subscription_id, asked, policy, status=status
        )

    @action(
        "/{subscription_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        operation_id="replayWebhookSubscriptionDelivery",
    )
    async def replay_delivery(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        delivery_id: FromPath[uuid.UUID],
    ) -> SubscriptionDelivery:
        """Send one delivery again, from its first attempt (after the earlier undelivered
        events of its aggregate)."""
        return await service.replay_delivery(conn, principal, subscription_id, delivery_id, policy)

    @action(
        "/{subscription_id:uuid}/replay",
        operation_id="replayWebhookSubscriptionEvents",
        errors=(413, 415),
        rules=REPLAY_RULES,
    )
    async def replay_range(
        self,
        conn: Conn,
        principal: NamedDependency[Principal],
        policy: NamedDependency[Policy],
        subscription_id: SubscriptionId,
        data: JSONBody[ReplayIn],
    ) -> Replayed:
        """Send again every event of the subscription's types that occurred from `since`
        until `until` (at most 31 days; else 422, `replay_window`),
        delivered or not, in order per aggregate."""
        return await service.replay_range(conn, principal, subscription_id, data, policy)


def subscriptions_router(
    *,
    catalogue: Collection[str],
    allow_loopback: bool,
    operators: tuple[str, ...],
) -> Router:
    """The subscriptions API of a service that sends the event types ``catalogue``, for its
    ``operators`` (every subscription of their tenant; the policy's roles with the tenant's
    scope) and the other roles its policy admits (their own)."""
    policy = Policy(
        catalogue=frozenset(catalogue), operators=operators, allow_loopback=allow_loopback
    )

    def provide_policy() -> Policy:
        return policy

    return Router(
        "/",
        route_handlers=[WebhookSubscriptionController],
        dependencies={"policy": Provide(provide_policy, sync_to_thread=False)},
    )
