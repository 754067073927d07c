"""The accreditation service."""

from __future__ import annotations

from litestar import Litestar

from services.kit.app import create_service_app
from services.kit.settings import Settings

from .config import MIGRATIONS, PORT, SCHEMA
from .registers.routes import RegisterController

DESCRIPTION = """\
The registers that count intervisie hours, their versioned rule sets, the
append-only ledger of hours per registrant, signed checkpoints and certificates.

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`.
"""


def create_app(settings: Settings) -> Litestar:
    return create_service_app(
        settings,
        schema=SCHEMA,
        title="Kring accreditation",
        version="0.1.0",
        description=DESCRIPTION,
        port=PORT,
        route_handlers=[RegisterController],
        migrations=MIGRATIONS,
    )


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve accreditation``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return create_app(load_settings())
