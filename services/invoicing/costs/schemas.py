from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from services.kit.errors import FieldError
from services.kit.schemas import Inbound, Name, Outbound

from ..debtors.schemas import Debtor, DebtorIn
from ..invoices.schemas import BilledTo, CostKind, CostLine
from ..profiles.schemas import Sharing

Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440, description="Minutes, 0 to 24 hours.")]
Cents = Annotated[
    int, msgspec.Meta(ge=0, le=10_000_000, description="Euro cents excluding BTW, at most 100000.")
]
Kilometres = Annotated[int, msgspec.Meta(ge=0, le=10_000, description="Kilometres, 0 to 10000.")]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class ParticipantIn(Inbound, kw_only=True, frozen=True):
    person_id: uuid.UUID
    name: Name
    member: bool = True
    """A member of the group (shares the costs under the policy `members`)."""
    attended: bool = True
    """Was present (shares the costs under the policy `attendees`)."""
    debtor: Annotated[
        DebtorIn | None,
        msgspec.Meta(
            description=(
                "Who pays this participant's invoice, as sent (or name a stored one by "
                "`debtor_id`, not both). Given, it wins over the billing relations and must have "
                "all a Dutch invoice needs (a government buyer its `buyer_reference`): 422 "
                "otherwise. Leave both out to let the billing relations decide."
            )
        ),
    ] = None
    debtor_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(
            description=(
                "A stored debtor (`GET /v1/debtors`); its data is copied. A facilitator names "
                "one it sees, or the own debtor of a participant of the sheet; any other is "
                "answered as absent (404)."
            )
        ),
    ] = None
    client_organisation_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(
            description=(
                "The participant's employer, scheduling's client organisation. Without a debtor "
                "given, the debtor linked to it pays (`PUT /v1/debtors/for-client-organisation/"
                "{id}`), unless the person pays themselves (`PUT /v1/debtors/for-person/{id}`). "
                "With nobody found either way, the participant's draft waits in `needs_debtor` "
                "until the relation is written."
            )
        ),
    ] = None


class CostsIn(Inbound, kw_only=True, frozen=True):
    """A session's costs beyond its facilitation time. Amounts are euro cents excluding BTW;
    a figure left out is 0."""

    examples = (
        {
            "preparation_minutes": 60,
            "travel_minutes": 45,
            "travel_km": 38,
            "location_cents": 9500,
            "location_description": "Zaal De Observant",
            "other_cents": 1250,
            "other_description": "Koffie en thee",
        },
    )

    preparation_minutes: Minutes = 0
    travel_minutes: Minutes = 0
    travel_km: Kilometres = 0
    location_cents: Cents = 0
    location_description: Annotated[
        Name | None, msgspec.Meta(description="The location line's text ('Locatiekosten').")
    ] = None
    other_cents: Cents = 0
    other_description: Annotated[
        Name | None, msgspec.Meta(description="The other costs' line text ('Overige kosten').")
    ] = None


class CostSheetIn(CostsIn, kw_only=True, frozen=True):
    """The facilitator's costs of one session that scheduling knows. Amounts are euro cents
    excluding BTW."""

    examples = (
        {
            "session_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d07",
            "facilitator_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d01",
            "description": "Intervisiebijeenkomst",
            "session_starts_at": "2026-03-26T19:00:00+01:00",
            "session_ends_at": "2026-03-26T21:30:00+01:00",
            "preparation_minutes": 60,
            "travel_minutes": 45,
            "travel_km": 38,
            "location_cents": 9500,
            "location_description": "Zaal De Observant",
            "sharing": "members",
            "participants": [
                {
                    "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04",
                    "name": "Anouk de Vries",
                    "client_organisation_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d02",
                },
                {
                    "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d08",
                    "name": "Bram Jansen",
                    "attended": False,
                    "debtor": {
                        "name": "Bram Jansen",
                        "street": "Lange Nieuwstraat 2",
                        "postal_code": "3512 PA",
                        "city": "Utrecht",
                    },
                },
            ],
        },
    )

    session_id: Annotated[
        uuid.UUID,
        msgspec.Meta(
            description="A session scheduling knows (asked with the caller's token), not"
            " cancelled, facilitated by `facilitator_id`."
        ),
    ]
    facilitator_id: uuid.UUID
    description: Name = "Intervisiebijeenkomst"
    session_starts_at: AwareDatetime
    session_ends_at: AwareDatetime
    sharing: Annotated[
        Sharing,
        msgspec.Meta(description="Who shares the costs: the group's `members` or the `attendees`."),
    ] = "members"
    participants: Annotated[list[ParticipantIn], msgspec.Meta(min_length=1, max_length=100)]


class Participant(Outbound, frozen=True):
    person_id: uuid.UUID
    name: str
    member: bool
    attended: bool
    debtor: Annotated[
        Debtor | None,
        msgspec.Meta(
            description=(
                "The debtor given on the sheet (sent, or copied from `debtor_id`). Null: the "
                "billing relations decide whenever the sheet's drafts are made; each invoice's "
                "`buyer` says whom it went to."
            )
        ),
    ]
    client_organisation_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(description="The participant's employer (scheduling's id), when known."),
    ] = None


class CostSheet(Outbound, frozen=True):
    id: uuid.UUID
    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    description: str
    session_starts_at: datetime
    session_ends_at: datetime
    supply_date: date
    facilitation_minutes: int
    preparation_minutes: int
    travel_minutes: int
    travel_km: int
    hourly_rate_cents: int
    rate_per_km_cents: int
    location_cents: int
    location_description: str | None
    other_cents: int
    other_description: str | None
    sharing: Sharing
    participants: Annotated[
        list[Participant],
        msgspec.Meta(
            description="In the sheet's order, which a revision keeps: the leftover cents of the"
            " split go to the first sharers. For a sheet made from `session.closed` it is the"
            " group's join order (members as in `member_ids`, then guests by person id); for a"
            " sheet sent, the order sent."
        ),
    ]
    lines: list[CostLine]
    total_cents: int
    revision: Annotated[
        int,
        msgspec.Meta(description="1 as made; each revision (`PUT /v1/cost-sheets/{id}`) adds 1."),
    ]
    revised_at: datetime | None
    superseded_at: Annotated[
        datetime | None,
        msgspec.Meta(
            description="When a new cost sheet of the session replaced this one, its invoices"
            " credited; null while it is the session's cost sheet."
        ),
    ]
    created_at: datetime


class ScheduledSession(msgspec.Struct, frozen=True, kw_only=True):
    """What invoicing reads of scheduling's `GET /v1/sessions/{id}`; other fields are ignored,
    so scheduling may add some."""

    id: uuid.UUID
    status: str
    facilitator_id: uuid.UUID


class CostSheetPage(Outbound, frozen=True):
    items: list[CostSheet]
    next_cursor: str | None


class LineReconciliation(Outbound, frozen=True):
    kind: CostKind
    amount_cents: int
    invoiced_cents: int


class Reconciliation(Outbound, frozen=True):
    """The cost sheet against its invoices: what was split, invoiced and credited."""

    cost_sheet_id: uuid.UUID
    total_cents: int
    sharers: int
    invoices: int
    invoiced_cents: int
    """Invoices excluding BTW, whatever their status; credit notes are not counted."""
    credited_cents: int
    """Credit notes excluding BTW (negative)."""
    difference_cents: int
    """`total_cents - invoiced_cents`: zero when the split is exact."""
    btw_cents: int
    lines: list[LineReconciliation]
    by_status: dict[str, int]


class HeldDraft(Outbound, frozen=True):
    """A draft held in `needs_debtor`, and why."""

    invoice_id: uuid.UUID
    person_id: Annotated[uuid.UUID, msgspec.Meta(description="The participant, scheduling's id.")]
    client_organisation_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(description="The participant's employer, scheduling's id, if known."),
    ]
    billed_to: Annotated[
        BilledTo | None,
        msgspec.Meta(
            description="Whom the debtor found, though incomplete, is (the invoice's"
            " `billed_to`); null: nobody yet. A draft the person pays themselves (`person`) is"
            " not shown to their employer's HR client."
        ),
    ]
    needs: Annotated[
        list[FieldError],
        msgspec.Meta(description="What the debtor lacks, as the invoice's `needs` says it."),
    ]


class CostSheetNeedsDebtorData(Outbound, frozen=True):
    """`cost_sheet.needs_debtor`: a cost sheet, made or revised, left drafts waiting for a debtor.

    Each waits in `needs_debtor` until its debtor is known and complete: write the debtor of
    the participant's client organisation (`PUT /v1/debtors/for-client-organisation/{id}`)
    or the person's billing choice (`PUT /v1/debtors/for-person/{id}`), and the drafts it
    completes become drafts, or are issued at once with `auto_issue`. Ids only: the
    participant's name is on the invoice (`GET /v1/invoices/{invoice_id}`)."""

    cost_sheet_id: uuid.UUID
    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    held: list[HeldDraft]
