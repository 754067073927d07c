from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Email, Inbound, Name, Outbound

from ..profiles.schemas import City, CountryCode, KvkNumber, PostalCode, Street

PeppolScheme = Literal["0106", "0190", "0088", "9944"]

Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=PRINTABLE_NOT_BLANK)]
VatId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{2}[0-9A-Z]{2,12}$",
        description="The debtor's VAT identification number, with its country prefix.",
    ),
]
PeppolId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9A-Za-z]{1,50}$",
        description=(
            "The Peppol endpoint id in its scheme: 0106 a KvK number (8 digits), 0190 an OIN "
            "(20 digits), 0088 a GLN (13 digits), 9944 a Dutch VAT id."
        ),
    ),
]


class DebtorIn(Inbound, kw_only=True, frozen=True):
    """Who receives and pays the invoice: the participant, or their employer.

    A snapshot: invoicing keeps it as sent, so the invoice stays true when the
    master data changes later.
    """

    examples = (
        {
            "name": "Gemeente Utrecht",
            "street": "Stadsplateau 1",
            "postal_code": "3521 AZ",
            "city": "Utrecht",
            "country_code": "NL",
            "kvk_number": "30280353",
            "peppol_scheme": "0190",
            "peppol_id": "00000001002220647000",
            "buyer_reference": "KP-4711",
            "email": "facturen@utrecht.nl",
        },
    )

    name: Name
    street: Street
    postal_code: PostalCode
    city: City
    country_code: CountryCode = "NL"
    kvk_number: KvkNumber | None = None
    vat_id: VatId | None = None
    peppol_scheme: Annotated[
        PeppolScheme | None,
        msgspec.Meta(
            description=(
                "Scheme of the Peppol endpoint: 0106 KvK, 0190 OIN (a Dutch government buyer), "
                "0088 GLN, 9944 Dutch VAT id."
            )
        ),
    ] = None
    peppol_id: PeppolId | None = None
    buyer_reference: Annotated[
        Reference | None,
        msgspec.Meta(
            description=(
                "The buyer's reference, order number or cost centre, stated on the invoice. A "
                "government buyer (Peppol scheme 0190, its OIN) requires it: without it, its "
                "invoices wait in `needs_debtor`."
            )
        ),
    ] = None
    email: Email | None = None


class Debtor(Outbound, frozen=True):
    name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    kvk_number: str | None = None
    vat_id: str | None = None
    peppol_scheme: PeppolScheme | None = None
    peppol_id: str | None = None
    buyer_reference: str | None = None
    email: str | None = None


class StoredDebtor(Debtor, kw_only=True, frozen=True):
    """A debtor kept for reuse (an employer, a municipality); invoices copy its data."""

    id: uuid.UUID
    external_id: Annotated[
        str | None,
        msgspec.Meta(
            description=(
                "The caller's own id of the debtor (`PUT /v1/debtors/by-external-id/…`); null "
                "for a debtor written through a client organisation or a person."
            )
        ),
    ]
    created_at: datetime
    updated_at: datetime


class StoredDebtorPage(Outbound, frozen=True):
    items: list[StoredDebtor]
    next_cursor: str | None
