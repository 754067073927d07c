"""A closed session as a cost sheet: what the event says, and the billing profile's defaults.

Pure: no I/O.

- **Times** come from the event (facilitation = ``starts_at`` to ``ends_at``).
- **Preparation, travel and location** come from the facilitator's billing profile,
  per session; an ``online`` session has no travel time, kilometres or location costs.
- **Participants** are the event's attendees in the event's order, each marked as
  a member (in ``member_ids``) and as attended (status ``present``); the profile's
  ``sharing`` policy says who shares (``attendees``: the present ones; ``members``:
  the group's members). A member without an attendance record has no name to bill
  and is left out.
- **Debtor** of a participant: the stored debtor whose external id is the person's
  id (the person pays, or a debtor arranged for them); else the one whose external
  id is their employer's id; else the participant privately, by name only (the
  event carries no address; their documents state none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..costs.schemas import CostSheetIn, ParticipantIn
from ..debtors.schemas import DebtorIn, StoredDebtor
from ..profiles.schemas import BillingProfile
from .schemas import SessionClosed

DESCRIPTION: Final = "Intervisiebijeenkomst"
MAX_DESCRIPTION: Final = 200
NO_TRAVEL_MODES: Final = frozenset({"online"})


def debtor_keys(event: SessionClosed) -> list[str]:
    """The external ids a participant's stored debtor may have: person ids, then employer ids."""
    keys = [str(a.person_id) for a in event.attendees]
    keys += [str(a.employer_id) for a in event.attendees if a.employer_id is not None]
    return list(dict.fromkeys(keys))


def private_debtor(name: str) -> DebtorIn:
    """The participant as their own debtor, by name: the event has no address."""
    return DebtorIn(name=name, street="", postal_code="", city="")


def description(group_name: str) -> str:
    text = f"{DESCRIPTION} {' '.join(group_name.split())}".strip()
    return text[:MAX_DESCRIPTION].rstrip()


def participants(event: SessionClosed, stored: Mapping[str, StoredDebtor]) -> list[ParticipantIn]:
    members = set(event.member_ids)
    result: list[ParticipantIn] = []
    for attendee in event.attendees:
        debtor = stored.get(str(attendee.person_id))
        if debtor is None and attendee.employer_id is not None:
            debtor = stored.get(str(attendee.employer_id))
        result.append(
            ParticipantIn(
                person_id=attendee.person_id,
                name=attendee.name,
                member=attendee.person_id in members,
                attended=attendee.status == "present",
                debtor=None if debtor is not None else private_debtor(attendee.name),
                debtor_id=None if debtor is None else debtor.id,
            )
        )
    return result


def unnamed_members(event: SessionClosed) -> list[str]:
    """Members without an attendance record: they cannot be billed by name."""
    named = {a.person_id for a in event.attendees}
    return [str(m) for m in event.member_ids if m not in named]


def cost_sheet(
    event: SessionClosed, profile: BillingProfile, stored: Mapping[str, StoredDebtor]
) -> CostSheetIn:
    """The cost sheet of a closed session, as ``POST /v1/cost-sheets`` would receive it."""
    travels = event.mode not in NO_TRAVEL_MODES
    return CostSheetIn(
        session_id=event.session_id,
        facilitator_id=event.facilitator.person_id,
        description=description(event.group_name),
        session_starts_at=event.starts_at,
        session_ends_at=event.ends_at,
        preparation_minutes=profile.preparation_minutes,
        travel_minutes=profile.travel_minutes if travels else 0,
        travel_km=profile.travel_km if travels else 0,
        location_cents=profile.location_cost_cents if travels else 0,
        sharing=profile.sharing,
        participants=participants(event, stored),
    )
