"""Calendar feed URLs: the secret URL of a person's or a group's iCalendar feed, which a
calendar app polls without a token, and the operations that issue (and so rotate), show and
revoke it.

``GET /v1/calendar-feeds/{token}/calendar.ics`` is outside authentication: the token in its
path is the capability (``kit.capabilities``). It answers the calendar the authenticated
``…/calendar.ics`` routes answer, with ``ETag`` and ``Last-Modified`` (``rules.py``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import ResponseHeader, State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, PathParameter
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import Scope

from services.kit import capabilities
from services.kit.db import Conn
from services.kit.openapi import problems

from ..principal import Principal
from ..sessions import ical
from . import rules, service
from .schemas import CalendarFeed, IssuedFeedUrl, OwnerKind

Me = NamedDependency[Principal]
Base = NamedDependency[str]
Of = NamedDependency[service.Owner]
Token = Annotated[
    str, PathParameter(description="The feed's secret token, as its URL was given out.")
]
IfModifiedSince = Annotated[
    str | None,
    HeaderParameter(
        name="If-Modified-Since",
        description="The `Last-Modified` of the copy you hold: 304 when it is current (not"
        " read when `If-None-Match` is sent).",
    ),
]


def provide_base(request: Request[Any, Any, Any]) -> str:
    """Where feed URLs start: ``KRING_PUBLIC_URL``, else the request's own base URL."""
    return str(request.app.state.settings.public_url or request.base_url)


def provide_admit(scope: Scope, state: State) -> service.Admit:
    def admit(org_id: uuid.UUID, feed_id: uuid.UUID) -> None:
        capabilities.admit(state.limiter, scope, org_id=org_id, capability=feed_id)

    return admit


def provide_if_none_match(request: Request[Any, Any, Any]) -> str | None:
    """The ``If-None-Match`` sent (the kit answers it; its presence silences the date)."""
    return request.headers.get("if-none-match")


def feeds_controller(kind: OwnerKind, *, owners: str, manager: str) -> type[Controller]:
    """The feed URL of each of ``owners`` (``people``, ``groups``): its ``{kind}_id`` in the
    path, ``manager`` naming who manages one besides an admin."""
    name = kind.title()
    parameter = f"{kind}_id"

    def provide_owner(request: Request[Any, Any, Any]) -> service.Owner:
        return service.Owner(kind, request.path_params[parameter])

    provided = {
        "owner": Provide(provide_owner, sync_to_thread=False),
        "feed_base": Provide(provide_base, sync_to_thread=False),
    }

    class CalendarFeedController(Controller):
        path = f"/v1/{owners}/{{{parameter}:uuid}}/calendar-feed"
        tags = ("calendars",)
        dependencies = provided

        @get(
            "/",
            operation_id=f"get{name}CalendarFeed",
            description=f"The {kind}'s calendar feed, and the URL that opens it now, if any, as"
            f" kept (the URL itself was shown when it was issued); for {manager} and an admin.",
            responses=problems(),
        )
        async def read(self, conn: Conn, principal: Me, owner: Of) -> CalendarFeed:
            return await service.read(conn, principal, owner)

        @post(
            "/",
            operation_id=f"issue{name}CalendarFeed",
            description=f"A new secret URL of the {kind}'s calendar feed, which a calendar app"
            " polls without a token, shown in this answer only. The URL issued before, if any,"
            " answers 404 from now on: issuing again is how a URL is rotated.",
            status_code=HTTP_201_CREATED,
            responses=problems(),
        )
        async def issue(
            self, conn: Conn, principal: Me, owner: Of, feed_base: Base
        ) -> IssuedFeedUrl:
            return await service.issue(conn, principal, owner, base=feed_base)

        @delete(
            "/",
            operation_id=f"revoke{name}CalendarFeed",
            description=f"Revoke the {kind}'s URL, if it has one: it answers 404 from now on.",
            responses=problems(),
        )
        async def revoke(self, conn: Conn, principal: Me, owner: Of) -> None:
            await service.revoke(conn, principal, owner)

    CalendarFeedController.__name__ = f"{name}CalendarFeedController"
    return CalendarFeedController


PersonCalendarFeedController = feeds_controller(
    "person", owners="people", manager="the person themself"
)
GroupCalendarFeedController = feeds_controller(
    "group", owners="groups", manager="the group's facilitator"
)


@get(
    rules.PATH.replace("{token}", "{token:str}"),
    operation_id="getSubscribedCalendar",
    tags=("calendars",),
    exclude_from_auth=True,
    opt={capabilities.ADMITS_ITSELF: True},
    security=[{}],
    media_type=ical.MEDIA_TYPE,
    response_description="An RFC 5545 iCalendar feed (`text/calendar`).",
    response_headers=[
        ResponseHeader(
            name="Last-Modified",
            value="Tue, 03 Mar 2026 19:00:00 GMT",
            documentation_only=True,
            description="When what the feed shows last changed (whole seconds); send it back as"
            " `If-Modified-Since`. Absent before a change is a second old.",
        ),
    ],
    responses={k: v for k, v in problems().items() if k not in (401, 403)},
    dependencies={
        "admit": Provide(provide_admit, sync_to_thread=False),
        "if_none_match": Provide(provide_if_none_match, sync_to_thread=False),
    },
)
async def subscribed(
    admit: NamedDependency[service.Admit],
    state: State,
    if_none_match: NamedDependency[str | None],
    token: Token,
    if_modified_since: IfModifiedSince = None,
) -> Response[bytes]:
    """The calendar of a feed URL, without a token: the URL is the permission. The same feed
    as `getPersonCalendar` or `getGroupCalendar` of its owner; 404 for a URL that was rotated
    or revoked, or never was. Poll with `If-None-Match` (or `If-Modified-Since`) for a 304.
    Answers are `Cache-Control: private, no-cache`: your calendar app may keep the feed, a
    shared cache may not. Rate-limited as a client of its own within the feed's organisation.
    """
    polled = await service.poll(
        state.pool,
        token,
        admit=admit,
        if_none_match=if_none_match,
        if_modified_since=if_modified_since,
    )
    sent = {"cache-control": rules.CACHE_CONTROL}
    if polled.last_modified is not None:
        sent["last-modified"] = rules.http_date(polled.last_modified)
    if polled.body is None:
        return Response(b"", status_code=304, headers={**sent, "etag": polled.tag})
    return Response(polled.body, media_type=ical.MEDIA_TYPE, headers=sent)
