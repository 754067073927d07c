"""The money rules of a cost sheet: amounts, the equal split and BTW. Pure: no I/O.

Everything is integer euro cents. Rounding is always *half up* (away from zero for
negative amounts), done once per amount:

- a time line is ``rate * minutes / 60``, rounded half up;
- the total is split equally: everyone gets ``total // n`` and the ``total % n``
  leftover cents go, one each, to the first participants in the cost sheet's order
  (the largest-remainder method; with equal weights every remainder ties, and ties
  are broken by position, so the split is deterministic);
- each participant's share is spread over the cost lines so that every line's shares
  add up to the line and every participant's lines add up to their share;
- BTW is computed per invoice on its amount excluding BTW, rounded half up.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Final, Protocol, TypeVar
from zoneinfo import ZoneInfo

from services.kit.errors import FieldError, NotFound, RuleViolation

from ..debtors.rules import debtor_errors
from ..debtors.schemas import Debtor, DebtorIn, StoredDebtor
from .schemas import CostLine, CostSheetIn, Participant, ParticipantIn, Sharing

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")
STANDARD_RATE_PERCENT: Final = 21
MAX_SESSION: Final = timedelta(hours=24)
NO_DEBTOR: Final = uuid.UUID(int=0)


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def time_amount(rate_cents_per_hour: int, minutes: int) -> int:
    return divide_half_up(rate_cents_per_hour * minutes, 60)


def btw_amount(base_cents: int, rate_percent: int) -> int:
    """BTW on an amount excluding BTW, rounded half up to whole cents."""
    return divide_half_up(base_cents * rate_percent, 100)


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights``; the parts add up to ``total`` exactly.

    Each part is the floor of its quota; the cents left over go one each to the
    largest remainders, ties broken by position (earlier first).
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    leftover = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
        parts[index] += 1
    return parts


def equal_shares(total: int, count: int) -> list[int]:
    """``total`` split over ``count`` participants: shares differ by at most one cent."""
    return largest_remainder(total, [1] * count)


def split_lines(amounts: Sequence[int], count: int) -> list[list[int]]:
    """Per participant, their part of each line.

    Row ``i`` adds up to ``equal_shares(sum(amounts), count)[i]``; column ``j`` adds
    up to ``amounts[j]``; within a line the parts differ by at most one cent. Each
    line's leftover cents are handed out round robin, continuing where the previous
    line stopped, starting at the first participant.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    rows = [[amount // count for amount in amounts] for _ in range(count)]
    cursor = 0
    for column, amount in enumerate(amounts):
        for _ in range(amount % count):
            rows[cursor][column] += 1
            cursor = (cursor + 1) % count
    return rows


def supply_date(starts_at: datetime) -> date:
    """The date of supply: the session's date in Europe/Amsterdam."""
    return starts_at.astimezone(AMSTERDAM).date()


def facilitation_minutes(starts_at: datetime, ends_at: datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


def _hours(minutes: int) -> str:
    hours = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return hours.replace(".", ",") + " uur"


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


class _Shares(Protocol):
    @property
    def member(self) -> bool: ...

    @property
    def attended(self) -> bool: ...


Sharer = TypeVar("Sharer", bound=_Shares)


def cost_lines(
    *,
    facilitation_minutes: int,
    preparation_minutes: int,
    travel_minutes: int,
    travel_km: int,
    location_cents: int,
    other_cents: int,
    other_description: str | None,
    hourly_rate_cents: int,
    rate_per_km_cents: int,
) -> list[CostLine]:
    """The cost sheet's lines, one per cost type with an amount; zero lines are left out."""
    rate = f"à EUR {_euros(hourly_rate_cents)} per uur"
    candidates = [
        CostLine(
            kind="facilitation",
            description=f"Begeleiding intervisiebijeenkomst, {_hours(facilitation_minutes)} {rate}",
            amount_cents=time_amount(hourly_rate_cents, facilitation_minutes),
        ),
        CostLine(
            kind="preparation",
            description=f"Voorbereiding, {_hours(preparation_minutes)} {rate}",
            amount_cents=time_amount(hourly_rate_cents, preparation_minutes),
        ),
        CostLine(
            kind="travel_time",
            description=f"Reistijd, {_hours(travel_minutes)} {rate}",
            amount_cents=time_amount(hourly_rate_cents, travel_minutes),
        ),
        CostLine(
            kind="travel_costs",
            description=f"Reiskosten, {travel_km} km à EUR {_euros(rate_per_km_cents)} per km",
            amount_cents=travel_km * rate_per_km_cents,
        ),
        CostLine(kind="location", description="Locatiekosten", amount_cents=location_cents),
        CostLine(
            kind="other",
            description=other_description or "Overige kosten",
            amount_cents=other_cents,
        ),
    ]
    return [line for line in candidates if line.amount_cents > 0]


def sheet_lines(
    sheet: CostSheetIn, *, hourly_rate_cents: int, rate_per_km_cents: int
) -> list[CostLine]:
    return cost_lines(
        facilitation_minutes=facilitation_minutes(sheet.session_starts_at, sheet.session_ends_at),
        preparation_minutes=sheet.preparation_minutes,
        travel_minutes=sheet.travel_minutes,
        travel_km=sheet.travel_km,
        location_cents=sheet.location_cents,
        other_cents=sheet.other_cents,
        other_description=sheet.other_description,
        hourly_rate_cents=hourly_rate_cents,
        rate_per_km_cents=rate_per_km_cents,
    )


def sharers(participants: Sequence[Sharer], policy: Sharing) -> list[Sharer]:
    """Who shares the costs, in the cost sheet's order: the group's members, or the attendees."""
    if policy == "members":
        return [p for p in participants if p.member]
    return [p for p in participants if p.attended]


def check_sheet(sheet: CostSheetIn, lines: Sequence[CostLine]) -> None:
    """Refuse a cost sheet that cannot be split into correct invoices (one 422, every rule)."""
    errors: list[FieldError] = []
    duration = sheet.session_ends_at - sheet.session_starts_at
    if duration <= timedelta(0) or duration > MAX_SESSION:
        errors.append(
            FieldError(
                field="body.session_ends_at",
                rule="session_length",
                message="the session must end after it starts, within 24 hours",
            )
        )
    seen: set[uuid.UUID] = set()
    for index, participant in enumerate(sheet.participants):
        if participant.person_id in seen:
            errors.append(
                FieldError(
                    field=f"body.participants[{index}].person_id",
                    rule="unique",
                    message="a person takes part once",
                )
            )
        seen.add(participant.person_id)
        if (participant.debtor is None) == (participant.debtor_id is None):
            errors.append(
                FieldError(
                    field=f"body.participants[{index}].debtor",
                    rule="one_debtor",
                    message="give either a debtor or a debtor_id",
                )
            )
        elif participant.debtor is not None:
            errors += debtor_errors(participant.debtor, field=f"body.participants[{index}].debtor")
    count = len(sharers(sheet.participants, sheet.sharing))
    total = sum(line.amount_cents for line in lines)
    if count == 0:
        errors.append(
            FieldError(
                field="body.participants",
                rule="sharers",
                message=f"no participant shares the costs under the policy {sheet.sharing!r}",
            )
        )
    elif total < count:
        errors.append(
            FieldError(
                field="body",
                rule="share_at_least_one_cent",
                message=f"a total of {total} cents cannot give {count} participants a share",
            )
        )
    if errors:
        raise RuleViolation(
            "The cost sheet breaks: " + ", ".join(e.rule for e in errors) + ".", errors=errors
        )


def snapshot(debtor: DebtorIn | StoredDebtor) -> Debtor:
    """The debtor's data as an invoice keeps it."""
    return Debtor(**{name: getattr(debtor, name) for name in Debtor.__struct_fields__})


def resolve(
    participants: Sequence[ParticipantIn], stored: Mapping[uuid.UUID, StoredDebtor]
) -> list[Participant]:
    """The participants with a snapshot of their debtor: as sent, or copied from a stored one."""
    resolved: list[Participant] = []
    for index, participant in enumerate(participants):
        debtor = participant.debtor or stored.get(participant.debtor_id or NO_DEBTOR)
        if debtor is None:
            raise NotFound(
                f"No debtor {participant.debtor_id}.",
                errors=[
                    FieldError(
                        field=f"body.participants[{index}].debtor_id",
                        rule="exists",
                        message="no such debtor",
                    )
                ],
            )
        resolved.append(
            Participant(
                person_id=participant.person_id,
                name=participant.name,
                member=participant.member,
                attended=participant.attended,
                debtor=snapshot(debtor),
            )
        )
    return resolved
