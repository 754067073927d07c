from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from services.kit.schemas import Inbound, Name, Outbound

from ..debtors.schemas import Debtor, DebtorIn
from ..invoices.schemas import CostKind, CostLine
from ..profiles.schemas import Sharing

Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440, description="Minutes, 0 to 24 hours.")]
Cents = Annotated[
    int, msgspec.Meta(ge=0, le=10_000_000, description="Euro cents excluding BTW, at most 100000.")
]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class ParticipantIn(Inbound, kw_only=True, frozen=True):
    person_id: uuid.UUID
    name: Name
    member: bool = True
    """A member of the group (shares the costs under the policy `members`)."""
    attended: bool = True
    """Was present (shares the costs under the policy `attendees`)."""
    debtor: DebtorIn | None = None
    """Who pays this participant's invoice, as sent; or name a stored debtor by `debtor_id`."""
    debtor_id: uuid.UUID | None = None
    """A debtor stored with `PUT /v1/debtors/by-external-id/…`; its data is copied."""


class CostSheetIn(Inbound, kw_only=True, frozen=True):
    """The facilitator's costs of one session. Amounts are euro cents excluding BTW."""

    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    description: Name = "Intervisiebijeenkomst"
    session_starts_at: AwareDatetime
    session_ends_at: AwareDatetime
    preparation_minutes: Minutes = 0
    travel_minutes: Minutes = 0
    travel_km: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    location_cents: Cents = 0
    other_cents: Cents = 0
    other_description: Name | None = None
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
    debtor: Debtor


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
    other_cents: int
    other_description: str | None
    sharing: Sharing
    participants: list[Participant]
    lines: list[CostLine]
    total_cents: int
    created_at: datetime


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
