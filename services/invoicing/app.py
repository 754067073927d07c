"""The invoicing service."""

from __future__ import annotations

import httpx
from litestar import Litestar

from services.kit.app import create_service_app, served
from services.kit.events import EventAccess

from .config import MIGRATIONS, PORT, SCHEMA, InvoicingSettings
from .costs.routes import CostSheetController
from .costs.sessions import install as install_sessions
from .debtors.routes import DebtorController
from .event_scope import scope
from .events.routes import EventController, UnbilledSessionController
from .invoices.routes import InvoiceController
from .policy import POLICY
from .principal import Principal
from .privacy.routes import SubjectController
from .privacy.service import INVOICES
from .profiles.routes import BillingProfileController
from .relations.routes import BillingRelationController
from .webhooks import WEBHOOKS

DESCRIPTION = """\
Billing profiles of facilitators (rates, BTW status, KvK, IBAN); the cost sheet of
each intervisie session, split equally into one invoice per participant; invoices
and credit notes with gapless numbers, as JSON, as a Dutch PDF and as a Peppol BIS
Billing 3.0 (UBL 2.1, NLCIUS) e-invoice. Money is integer euro cents everywhere;
invoice dates are dates in Europe/Amsterdam.

A session closed in scheduling arrives as its `session.closed` event and is billed
with the costs the facilitator entered when closing it (preparation, travel, kilometres,
the room, other costs) and the facilitator's billing profile (rates, BTW, series, who
shares, drafts or issued at once, and session defaults for each cost left out: for an
online session none for travel and location); its participants are in the group's join
order. A closed session cancelled later is credited in full. Each event is applied once. A
cost sheet sent directly must name a session scheduling knows, and is corrected (`PUT`)
until its invoices are issued.

Whom an invoice is addressed to is explicit, never guessed: the debtor linked to the
participant's employer, a client organisation of scheduling
(`PUT /v1/debtors/for-client-organisation/{id}`), or their own when the person pays
themselves (`PUT /v1/debtors/for-person/{id}`); a debtor given on a cost sheet wins over
both. A draft with nobody to bill, or whose debtor lacks the name and address a Dutch
invoice requires (a government buyer, OIN, also its order number), waits in `needs_debtor`
with its `needs`; issuing it is refused with them. Writing the missing relation completes
it, and issues it at once where the billing profile says `auto_issue`.

Invoicing announces what happens to invoices: `invoice.issued`, `invoice.paid` and
`invoice.credited`, `cost_sheet.needs_debtor` when a cost sheet leaves drafts waiting
for a debtor, and `session.unbilled` when a closed session cannot be billed yet (no billing
profile, nobody to bill: it waits in `GET /v1/unbilled-sessions` until billed), see
`webhooks` for each one's data, pushed to subscribers as signed
webhooks and listed by `GET /v1/events`. They carry ids, numbers, dates and amounts, never a
name or an address: read the invoice for those.

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`. Lists are paginated by an opaque cursor: pass a page's
`next_cursor` as `cursor` for the next page, until it is null. The event feed
(`GET /v1/events`) pages alike; its `next_cursor` is never null, and comes back
unchanged while nothing new happened.
"""


def create_app(
    settings: InvoicingSettings, *, scheduling: httpx.AsyncBaseTransport | None = None
) -> Litestar:
    """The app; ``scheduling`` reaches scheduling's API other than over the network (tests)."""
    app = create_service_app(
        settings,
        schema=SCHEMA,
        title="Kring invoicing",
        version="0.1.0",
        description=DESCRIPTION,
        port=PORT,
        route_handlers=[
            BillingProfileController,
            DebtorController,
            BillingRelationController,
            CostSheetController,
            InvoiceController,
            EventController,
            UnbilledSessionController,
            SubjectController,
        ],
        migrations=MIGRATIONS,
        principal_type=Principal,
        policy=POLICY,
        events=EventAccess(scope=scope),
        webhooks=WEBHOOKS,
        retention=(INVOICES,),
    )
    install_sessions(app, settings.scheduling_url, transport=scheduling)
    return app


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve invoicing``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return served(create_app(load_settings()))
