from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Email, Inbound, Name, Outbound

BtwMode = Literal["standard", "exempt"]

Street = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=PRINTABLE_NOT_BLANK,
        description="Street and house number.",
    ),
]
PostalCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
]
City = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=PRINTABLE_NOT_BLANK)]
CountryCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code.")
]
KvkNumber = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9]{8}$", description="Dutch Chamber of Commerce (KvK) number."),
]
BtwId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^NL[0-9]{9}B[0-9]{2}$",
        description=(
            "Dutch VAT identification number (btw-id), e.g. NL000099998B57. "
            "Its check digits are verified: the eleven-test or the mod-97 test."
        ),
    ),
]
Iban = Annotated[
    str,
    msgspec.Meta(
        min_length=15,
        max_length=42,
        pattern=r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]+$",
        description=(
            "IBAN (ISO 13616); spaces and lower case are accepted and normalised away. "
            "Country, length and mod-97 check digits are verified."
        ),
    ),
]
Bic = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$",
        description="BIC (ISO 9362), 8 or 11 characters.",
    ),
]
HourlyRateCents = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=100_000_000,
        description="Rate per hour of facilitation and preparation, in euro cents excluding BTW.",
    ),
]
RatePerKmCents = Annotated[
    int,
    msgspec.Meta(ge=0, le=10_000, description="Travel costs per km, in euro cents excluding BTW."),
]
BtwModeIn = Annotated[
    BtwMode,
    msgspec.Meta(
        description=(
            "`standard`: 21% BTW; `exempt`: exempt under art. 11 lid 1 sub o Wet OB (CRKBO)."
        )
    ),
]
ExemptionText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=500,
        pattern=PRINTABLE_NOT_BLANK,
        description=(
            "Stated on invoices of an exempt profile, and only then. "
            "Left out when exempt, a standard text is stated."
        ),
    ),
]
PaymentTermDays = Annotated[
    int, msgspec.Meta(ge=0, le=120, description="Days after the invoice date to pay.")
]
InvoicePrefix = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9-]{1,12}$",
        description=(
            "Prefix of this facilitator's invoice numbers (`PREFIX-YEAR-NNNNN`): letters, "
            "digits and -. NNNNN is the next of the supplier's series, one per KvK number and "
            "year, whatever the prefix and in whichever organisation the supplier bills. In an "
            "organisation a prefix belongs to one supplier."
        ),
    ),
]
SessionMinutes = Annotated[int, msgspec.Meta(ge=0, le=1440)]
Sharing = Literal["members", "attendees"]


class BillingProfileIn(Inbound, kw_only=True, frozen=True):
    """What a facilitator bills with. Amounts are euro cents, excluding BTW."""

    examples = (
        {
            "legal_name": "Van Dijk Intervisie",
            "street": "Oudegracht 100",
            "postal_code": "3511 AX",
            "city": "Utrecht",
            "country_code": "NL",
            "kvk_number": "12345678",
            "btw_id": "NL000099998B57",
            "iban": "NL91 ABNA 0417 1643 00",
            "bic": "ABNANL2A",
            "email": "facturen@vandijkintervisie.nl",
            "hourly_rate_cents": 12500,
            "rate_per_km_cents": 23,
            "btw_mode": "standard",
            "invoice_prefix": "VDI",
            "payment_term_days": 30,
            "preparation_minutes": 30,
            "sharing": "attendees",
        },
    )

    legal_name: Name
    street: Street
    postal_code: PostalCode
    city: City
    country_code: CountryCode = "NL"
    kvk_number: KvkNumber
    btw_id: BtwId
    iban: Iban
    bic: Bic | None = None
    email: Annotated[
        Email | None,
        msgspec.Meta(
            description=(
                "Where buyers ask about an invoice, stated on every invoice and e-invoice. "
                "Needed to issue invoices to a government buyer (OIN): the Rijk's gateway "
                "rejects an e-invoice without the supplier's e-mail (Basisfactuur Rijk)."
            )
        ),
    ] = None
    hourly_rate_cents: HourlyRateCents = 12500
    rate_per_km_cents: RatePerKmCents = 23
    btw_mode: BtwModeIn = "standard"
    exemption_text: ExemptionText | None = None
    invoice_prefix: InvoicePrefix
    payment_term_days: PaymentTermDays = 30
    preparation_minutes: Annotated[
        SessionMinutes,
        msgspec.Meta(description="Preparation per session billed from a `session.closed` event."),
    ] = 30
    travel_minutes: Annotated[
        SessionMinutes,
        msgspec.Meta(
            description="Travel time per session billed from an event (none for online sessions)."
        ),
    ] = 0
    travel_km: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=10_000,
            description="Kilometres per session billed from an event (none for online sessions).",
        ),
    ] = 0
    location_cost_cents: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=10_000_000,
            description=(
                "Location costs per session billed from an event, euro cents excluding BTW "
                "(none for online sessions)."
            ),
        ),
    ] = 0
    sharing: Annotated[
        Sharing,
        msgspec.Meta(
            description=(
                "Who shares a session billed from an event: the group's `members` or the "
                "`attendees` (present)."
            )
        ),
    ] = "attendees"
    auto_issue: Annotated[
        bool,
        msgspec.Meta(
            description=(
                "`false`: a session billed from an event gets draft invoices; "
                "`true`: they are issued at once."
            )
        ),
    ] = False


class BillingProfile(Outbound, frozen=True):
    id: uuid.UUID
    facilitator_id: uuid.UUID
    legal_name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    kvk_number: str
    btw_id: str
    iban: str
    bic: str | None
    email: str | None
    hourly_rate_cents: int
    rate_per_km_cents: int
    btw_mode: BtwMode
    exemption_text: str | None
    invoice_prefix: str
    payment_term_days: int
    preparation_minutes: int
    travel_minutes: int
    travel_km: int
    location_cost_cents: int
    sharing: Sharing
    auto_issue: bool
    created_at: datetime
    updated_at: datetime


class BillingProfilePage(Outbound, frozen=True):
    items: list[BillingProfile]
    next_cursor: str | None
