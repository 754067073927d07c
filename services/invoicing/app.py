"""The invoicing service."""

from __future__ import annotations

from litestar import Litestar

from services.kit.app import create_service_app
from services.kit.events import EventAccess
from services.kit.settings import Settings

from .config import MIGRATIONS, PORT, SCHEMA
from .costs.routes import CostSheetController
from .debtors.routes import DebtorController
from .events.routes import EventController
from .invoices.routes import InvoiceController
from .principal import ROLES, Principal
from .profiles.routes import BillingProfileController

DESCRIPTION = """\
Billing profiles of facilitators (rates, BTW status, KvK, IBAN); the cost sheet of
each intervisie session, split equally into one invoice per participant; invoices
and credit notes with gapless numbers, as JSON, as a Dutch PDF and as a Peppol BIS
Billing 3.0 (UBL 2.1, NLCIUS) e-invoice. Money is integer euro cents everywhere;
invoice dates are dates in Europe/Amsterdam.

A session closed in scheduling arrives as its `session.closed` event and is billed
with the facilitator's billing profile (its session defaults: preparation, travel,
location, who shares, drafts or issued at once); a closed session cancelled later is
credited in full. Each event is applied once.

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`. Lists are paginated by an opaque `cursor`.
"""


def create_app(settings: Settings) -> Litestar:
    return create_service_app(
        settings,
        schema=SCHEMA,
        title="Kring invoicing",
        version="0.1.0",
        description=DESCRIPTION,
        port=PORT,
        route_handlers=[
            BillingProfileController,
            DebtorController,
            CostSheetController,
            InvoiceController,
            EventController,
        ],
        migrations=MIGRATIONS,
        principal_type=Principal,
        roles=ROLES,
        events=EventAccess(readers=("admin", "service", "hr"), operators=("admin",)),
    )


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve invoicing``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return create_app(load_settings())
