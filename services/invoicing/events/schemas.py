"""What invoicing reads of scheduling's events, and what it answers.

The event payloads are scheduling's (ADR 0004, "Event format"); these Structs take
only the fields invoicing uses and tolerate every other field, so scheduling may
add fields without breaking its consumers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

from services.kit.schemas import Name, Outbound

from ..costs.schemas import Cents, Kilometres, Minutes


class _Tolerant(msgspec.Struct, frozen=True, kw_only=True):
    """Unknown fields are ignored (not forbidden): the producer may add some later."""


class EventFacilitator(_Tolerant, frozen=True):
    person_id: uuid.UUID
    name: str


class EventAttendee(_Tolerant, frozen=True, kw_only=True):
    person_id: uuid.UUID
    name: str
    employer_id: uuid.UUID | None = None
    status: Literal["present", "absent", "excused"]


class EventCosts(_Tolerant, frozen=True):
    """The costs the facilitator entered when closing; a figure that is null was left out."""

    preparation_minutes: Minutes | None = None
    travel_minutes: Minutes | None = None
    travel_km: Kilometres | None = None
    location_cents: Cents | None = None
    location_description: Name | None = None
    other_cents: Cents | None = None
    other_description: Name | None = None


class SessionClosed(_Tolerant, frozen=True):
    """`session.closed`: the snapshot of a closed session."""

    session_id: uuid.UUID
    group_name: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    member_ids: list[uuid.UUID]
    """In join order."""
    facilitator: EventFacilitator
    attendees: list[EventAttendee]
    costs: EventCosts | None = None
    """None: none entered (or a producer from before costs were sent)."""


class SessionCancelled(_Tolerant, frozen=True):
    """`session.cancelled`: after closing, its invoices are credited."""

    session_id: uuid.UUID
    reason: str
    previous_status: Literal["planned", "closed"]


EventStatus = Literal["applied", "duplicate", "ignored", "held"]


class EventResult(Outbound, frozen=True):
    """The answer to a delivered event.

    - `applied`: its effect is made and the event is recorded in the inbox;
    - `duplicate`: it was recorded before (a redelivery), nothing changed;
    - `ignored`: recorded, but it asks nothing of invoicing;
    - `held`: a closing that cannot be billed yet (no billing profile, nobody to bill): it
      is recorded with its reason as an unbilled session (`GET /v1/unbilled-sessions`),
      announced (`session.unbilled`) and billed later (`POST .../bill`).
    """

    status: EventStatus
    reason: str | None = None
    cost_sheet_id: uuid.UUID | None = None
    invoice_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    """Invoices made (drafts, or issued with `auto_issue`; a draft with nobody complete to bill
    waits in `needs_debtor`), or credit notes made."""


UnbilledRule = str
"""The rule that refuses billing: `billing_profile_required`, `sharers` or
`share_at_least_one_cent`."""


class UnbilledSession(Outbound, frozen=True):
    """A session closed in scheduling that invoicing could not bill, and why (`rule`, `reason`).

    - `billing_profile_required`: its facilitator has no billing profile: write it
      (`PUT /v1/billing-profiles/{facilitator_id}`);
    - `sharers`, `share_at_least_one_cent`: the profile's sharing leaves nobody to bill, or
      less than a cent each: change the profile's `sharing`.

    Then bill it (`POST /v1/unbilled-sessions/{id}/bill`), from the closing as received. A
    session cancelled in scheduling, or given a cost sheet directly, leaves the list.
    """

    id: uuid.UUID
    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    group_name: str
    starts_at: datetime
    rule: UnbilledRule
    reason: str
    held_at: datetime
    """When the closing arrived and could not be billed."""


class UnbilledSessionPage(Outbound, frozen=True):
    items: list[UnbilledSession]
    next_cursor: str | None


class Billed(Outbound, frozen=True):
    """An unbilled session, billed: its cost sheet and its invoices (drafts, or issued at once
    with `auto_issue`; a draft with nobody complete to bill waits in `needs_debtor`)."""

    cost_sheet_id: uuid.UUID
    invoice_ids: list[uuid.UUID]


class SessionUnbilledData(Outbound, frozen=True):
    """`session.unbilled`: a session closed in scheduling could not be billed, and why.

    It waits in `GET /v1/unbilled-sessions/{unbilled_session_id}` until the cause is fixed
    and it is billed (`POST /v1/unbilled-sessions/{unbilled_session_id}/bill`). Ids only."""

    unbilled_session_id: uuid.UUID
    session_id: uuid.UUID
    facilitator_id: uuid.UUID
    rule: UnbilledRule
    reason: str
