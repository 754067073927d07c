"""A closed session as a cost sheet: what the event says, and the billing profile's defaults.

Pure: no I/O.

- **Times** come from the event (facilitation = ``starts_at`` to ``ends_at``).
- **Preparation, travel, location and other costs** are the figures the facilitator
  entered when closing (the event's ``costs``), each as entered, 0 included. A figure left
  out (null, or no ``costs``) is the billing profile's per-session default; for an
  ``online`` session the defaults for travel time, kilometres and location are 0 (nobody
  travels), though figures entered for it are billed. Other costs have no default.
- **Participants** are the event's attendees, each marked as a member (in ``member_ids``)
  and as attended (status ``present``), in the group's **join order**: members by their
  place in ``member_ids`` (scheduling lists them by when they joined), then guests (not
  members) by person id. The split gives its leftover cents to the first sharers, so who
  gets them follows join order, never names; a revision keeps the order. The profile's
  ``sharing`` policy says who shares (``attendees``: the present ones; ``members``: the
  group's members). A member without an attendance record has no name to bill and is left
  out.
- **Debtor**: the event names none. Each participant carries their employer (the
  attendee's ``employer_id``, a client organisation) and the cost sheet's billing relations
  decide (``relations.rules``): the person's own debtor if they pay themselves, else their
  employer's linked debtor; with neither, their draft waits in ``needs_debtor``. Nobody is
  billed by name alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

import msgspec

from ..costs.schemas import CostSheetIn, CostsIn, ParticipantIn
from ..profiles.schemas import BillingProfile
from .schemas import EventCosts, SessionClosed

DESCRIPTION: Final = "Intervisiebijeenkomst"
MAX_DESCRIPTION: Final = 200
NO_TRAVEL_MODES: Final = frozenset({"online"})


def description(group_name: str) -> str:
    text = f"{DESCRIPTION} {' '.join(group_name.split())}".strip()
    return text[:MAX_DESCRIPTION].rstrip()


def participants(event: SessionClosed) -> list[ParticipantIn]:
    """The event's attendees as the sheet's participants, each with their employer."""
    members = set(event.member_ids)
    return [
        ParticipantIn(
            person_id=attendee.person_id,
            name=attendee.name,
            member=attendee.person_id in members,
            attended=attendee.status == "present",
            client_organisation_id=attendee.employer_id,
        )
        for attendee in event.attendees
    ]


def unnamed_members(event: SessionClosed) -> list[str]:
    """Members without an attendance record: they cannot be billed by name."""
    named = {a.person_id for a in event.attendees}
    return [str(m) for m in event.member_ids if m not in named]


def in_join_order(
    people: Sequence[ParticipantIn], member_ids: Sequence[uuid.UUID]
) -> list[ParticipantIn]:
    """Members by their place in ``member_ids`` (join order), then guests by person id."""
    place = {member: index for index, member in enumerate(member_ids)}
    return sorted(people, key=lambda p: (place.get(p.person_id, len(place)), p.person_id))


def _entered(value: int | None, default: int) -> int:
    return default if value is None else value


def costs(event: SessionClosed, profile: BillingProfile) -> CostsIn:
    """The session's costs: as the facilitator entered them, the profile's defaults for the
    figures left out (no travel or location by default for an online session)."""
    entered = event.costs or EventCosts()
    travels = event.mode not in NO_TRAVEL_MODES
    return CostsIn(
        preparation_minutes=_entered(entered.preparation_minutes, profile.preparation_minutes),
        travel_minutes=_entered(entered.travel_minutes, profile.travel_minutes if travels else 0),
        travel_km=_entered(entered.travel_km, profile.travel_km if travels else 0),
        location_cents=_entered(
            entered.location_cents, profile.location_cost_cents if travels else 0
        ),
        location_description=entered.location_description,
        other_cents=_entered(entered.other_cents, 0),
        other_description=entered.other_description,
    )


def cost_sheet(event: SessionClosed, profile: BillingProfile) -> CostSheetIn:
    """The cost sheet of a closed session, as ``POST /v1/cost-sheets`` would receive it."""
    return CostSheetIn(
        session_id=event.session_id,
        facilitator_id=event.facilitator.person_id,
        description=description(event.group_name),
        session_starts_at=event.starts_at,
        session_ends_at=event.ends_at,
        **msgspec.structs.asdict(costs(event, profile)),
        sharing=profile.sharing,
        participants=in_join_order(participants(event), event.member_ids),
    )
