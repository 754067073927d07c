"""The accreditation service."""

from __future__ import annotations

from litestar import Litestar

from services.kit.app import create_service_app, served
from services.kit.events import EventAccess
from services.kit.settings import Settings

from .config import MIGRATIONS, PORT, SCHEMA, checkpoint_signer
from .consents.routes import ConsentController
from .credentials.routes import (
    CredentialController,
    CycleCredentialController,
    IssuerController,
    VerificationController,
)
from .event_scope import scope
from .events.routes import InboxController
from .ledger.routes import (
    AttendanceController,
    ExportController,
    LedgerController,
    PersonLedgerController,
    RegistrarController,
)
from .outcomes.routes import (
    PersonOutcomeController,
    RegistrarOutcomeController,
    SessionOutcomeController,
)
from .policy import POLICY
from .preflight.routes import PreflightController
from .principal import Principal
from .privacy.retention import evidence_rule
from .privacy.routes import SubjectController
from .reflections.routes import ReflectionController
from .registers.routes import RegisterController
from .webhooks import WEBHOOKS

DESCRIPTION = """\
The registers that count intervisie hours, their versioned rule sets, the
append-only ledger of hours per registrant, signed checkpoints and certificates.

Hours are counted in whole `minutes`, points in hundredths (`points_centi`). The
ledger is hash-chained per organisation; checkpoints of its head are signed with
Ed25519 and their public keys are published at `/v1/ledger/public-keys`.

Every judgement of a closed session is kept as an outcome per attendee and register:
`recorded`, `refused` (every rule named) or `pending` (waiting for data such as the
registration date, judged again when it arrives). Refused and pending outcomes are
announced as events (`ledger.outcome_refused`, `ledger.outcome_pending`), and so is every
entry appended (`ledger.entry_recorded`, `ledger.entry_reversed`). Before
hours are at stake, `POST /v1/preflight` warns which register rules a group or a
planned session will break, judged by the same rules.

Credentials certify the hours (`/v1/credentials`): a proof of attendance per session credit
and a period statement per register cycle, as Open Badges 3.0 credentials secured with
VC-JOSE (a compact JWS signed with the checkpoints' Ed25519 key), printable as PDF with a QR
code. Anyone verifies one without an account (`/v1/credential-verifications`, the issuer's
keys, `did:web` document and Bitstring Status Lists under `/v1/issuers/{org_id}`); a reversed
credit revokes every credential stating it, and announces it (`credential.revoked`). For SKJ
a supervisor countersigns the reflection statement (`/v1/reflection-statements`).

Errors are RFC 9457 `application/problem+json`; validation errors name each field
and rule in `errors`. Lists are paginated by an opaque cursor: pass a page's
`next_cursor` as `cursor` for the next page, until it is null. The event feed
(`GET /v1/events`) pages alike; its `next_cursor` is never null, and comes back
unchanged while nothing new happened.
"""


def create_app(settings: Settings) -> Litestar:
    app = create_service_app(
        settings,
        schema=SCHEMA,
        title="Kring accreditation",
        version="0.1.0",
        description=DESCRIPTION,
        port=PORT,
        route_handlers=[
            RegisterController,
            LedgerController,
            PersonLedgerController,
            RegistrarController,
            ExportController,
            AttendanceController,
            SessionOutcomeController,
            PersonOutcomeController,
            RegistrarOutcomeController,
            PreflightController,
            ConsentController,
            CredentialController,
            CycleCredentialController,
            ReflectionController,
            VerificationController,
            IssuerController,
            InboxController,
            SubjectController,
        ],
        migrations=MIGRATIONS,
        principal_type=Principal,
        policy=POLICY,
        events=EventAccess(scope=scope),
        webhooks=WEBHOOKS,
        retention=(evidence_rule(settings),),
    )

    def load_signer(app: Litestar) -> None:
        app.state.signer = checkpoint_signer(settings)

    app.on_startup.append(load_signer)
    return app


def app_from_env() -> Litestar:
    """The entrypoint of ``kring serve accreditation``: settings from ``KRING_*`` variables."""
    from .config import load_settings

    return served(create_app(load_settings()))
