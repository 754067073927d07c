"""The scheduling service."""

from __future__ import annotations

from litestar import Litestar

from services.kit.app import create_service_app
from services.kit.settings import Settings

from .config import MIGRATIONS, PORT, SCHEMA
from .facilitators.routes import FacilitatorController
from .groups.routes import GroupController
from .methods.routes import MethodController
from .organisations.routes import ClientOrganisationController
from .people.routes import PeopleController
from .principal import ROLES, Principal
from .sessions.routes import CalendarController, SessionController
from .sessions.schemas import (
    AttendanceConfirmedData,
    SessionCancelledData,
    SessionClosedData,
    SessionScheduledData,
)

DESCRIPTION = """\
Client organisations, people, facilitators, groups, sessions, attendance and the
signed proof of attendance of intervisie groups.

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`. Lists are paginated by an opaque `cursor`.
"""


def create_app(settings: Settings) -> Litestar:
    return create_service_app(
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
            SessionController,
            CalendarController,
        ],
        migrations=MIGRATIONS,
        principal_type=Principal,
        roles=ROLES,
        events=True,
        webhooks={
            "session.scheduled": SessionScheduledData,
            "session.closed": SessionClosedData,
            "session.cancelled": SessionCancelledData,
            "attendance.confirmed": AttendanceConfirmedData,
        },
    )


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve scheduling``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return create_app(load_settings())
