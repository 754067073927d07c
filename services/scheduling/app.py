"""The scheduling service."""

from __future__ import annotations

from operator import attrgetter

from litestar import Litestar, Router

from services.kit.app import create_service_app, served
from services.kit.events import EventAccess

from .attendance import routes as attendance
from .calendar_feeds.routes import (
    GroupCalendarFeedController,
    PersonCalendarFeedController,
    subscribed,
)
from .config import MIGRATIONS, PORT, SCHEMA, SchedulingSettings
from .event_scope import scope
from .facilitators.routes import FacilitatorController
from .groups.routes import GroupController
from .methods.routes import MethodController
from .organisations.routes import ClientOrganisationController
from .people.routes import PeopleController
from .policy import POLICY
from .preflight.client import install as install_preflight
from .principal import Principal
from .privacy.routes import SubjectController
from .privacy_requests.client import install as install_peers
from .privacy_requests.routes import ErasureRequestController, PersonRequestController
from .sessions import routes as sessions
from .sessions.routes import CalendarController
from .webhooks import WEBHOOKS

DESCRIPTION = """\
Client organisations, people, facilitators, groups, sessions, attendance and the
signed proof of attendance of intervisie groups.

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`. Lists are paginated by an opaque cursor: pass a page's
`next_cursor` as `cursor` for the next page, until it is null. The event feed
(`GET /v1/events`) pages alike; its `next_cursor` is never null, and comes back
unchanged while nothing new happened.
"""


def _sessions() -> Router:
    """``/v1/sessions``: sessions' and attendance's handlers on one router, by name (as one
    controller orders its handlers), so the published contract keeps its order of paths."""
    handlers = sorted([*sessions.HANDLERS, *attendance.HANDLERS], key=attrgetter("handler_name"))
    return Router("/v1/sessions", tags=["sessions"], route_handlers=handlers)


def create_app(settings: SchedulingSettings) -> Litestar:
    app = create_service_app(
        settings,
        schema=SCHEMA,
        title="Kring scheduling",
        version="0.1.0",
        description=DESCRIPTION,
        port=PORT,
        route_handlers=[
            ClientOrganisationController,
            PeopleController,
            FacilitatorController,
            MethodController,
            GroupController,
            _sessions(),
            CalendarController,
            PersonCalendarFeedController,
            GroupCalendarFeedController,
            subscribed,
            SubjectController,
            PersonRequestController,
            ErasureRequestController,
        ],
        migrations=MIGRATIONS,
        principal_type=Principal,
        policy=POLICY,
        events=EventAccess(scope=scope),
        webhooks=WEBHOOKS,
    )
    install_preflight(app, settings.accreditation_url)
    install_peers(app, settings.invoicing_url)
    return app


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve scheduling``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return served(create_app(load_settings()))
