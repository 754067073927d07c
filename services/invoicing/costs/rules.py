"""The money rules of a cost sheet: amounts, the equal split and BTW. Pure: no I/O.

Everything is integer euro cents. Rounding is always *half up* (away from zero for
negative amounts), done once per amount:

- a time line is ``rate * minutes / 60``, rounded half up;
- the total is split equally: everyone gets ``total // n`` and the ``total % n``
  leftover cents go, one each, to the first participants in the cost sheet's order
  (the largest-remainder method; with equal weights every remainder ties, and ties
  are broken by position, so the split is deterministic). That order is the group's join
  order for a sheet made from an event (``events.rules``), the order sent for a sheet sent,
  and a revision keeps it;
- each participant's share is spread over the cost lines so that every line's shares
  add up to the line and every participant's lines add up to their share;
- BTW is computed per invoice on its amount excluding BTW, rounded half up.

The lines themselves (one per cost type, in Dutch) are ``lines.py``'s. A sharing
participant's part becomes their draft invoice (:func:`drafts`); the sheet is later held
against its invoices (:func:`reconcile`). An admin bills every session of the
tenant, a facilitator only their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Final, Protocol, TypeVar

from services.kit.errors import FieldError, Forbidden, NotFound, RuleViolation

from ..debtors.rules import (
    ENDPOINT_RULES,
    INCOMPLETE_RULES,
    NOBODY,
    debtor_errors,
    missing,
    snapshot,
)
from ..debtors.schemas import Debtor, StoredDebtor
from ..invoices.rules import AMSTERDAM, Buyer, Draft
from ..invoices.schemas import CostLine, Invoice
from ..principal import Principal
from ..profiles.rules import may_access
from ..profiles.schemas import BillingProfile, Sharing
from ..relations.rules import Links, buyer_of
from .schemas import (
    CostSheet,
    CostSheetIn,
    LineReconciliation,
    Participant,
    ParticipantIn,
    Reconciliation,
)

STANDARD_RATE_PERCENT: Final = 21
MAX_SESSION: Final = timedelta(hours=24)
SHARE_RULES: Final = ("sharers", "share_at_least_one_cent")
"""The rules of a split that leaves nobody, or somebody less than a cent, to pay (a 422)."""
SHEET_RULES: Final = (
    "session_length",
    "unique",
    "one_debtor",
    *ENDPOINT_RULES,
    *INCOMPLETE_RULES,
    *SHARE_RULES,
)
"""The rules of :func:`check_sheet` and :func:`resolve`: a cost sheet that cannot be billed."""


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


class _Shares(Protocol):
    @property
    def member(self) -> bool: ...

    @property
    def attended(self) -> bool: ...


Sharer = TypeVar("Sharer", bound=_Shares)


def sharers(participants: Sequence[Sharer], policy: Sharing) -> list[Sharer]:
    """Who shares the costs, in the cost sheet's order: the group's members, or the attendees."""
    if policy == "members":
        return [p for p in participants if p.member]
    return [p for p in participants if p.attended]


def _length_errors(sheet: CostSheetIn) -> list[FieldError]:
    duration = sheet.session_ends_at - sheet.session_starts_at
    if timedelta(0) < duration <= MAX_SESSION:
        return []
    return [
        FieldError(
            field="body.session_ends_at",
            rule="session_length",
            message="the session must end after it starts, within 24 hours",
        )
    ]


def _participant_errors(participants: Sequence[ParticipantIn]) -> list[FieldError]:
    """Each person once, with at most one debtor given: sent (usable, and with all a Dutch
    invoice needs of it) or named by ``debtor_id``."""
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for index, participant in enumerate(participants):
        field = f"body.participants[{index}]"
        if participant.person_id in seen:
            errors.append(
                FieldError(
                    field=f"{field}.person_id", rule="unique", message="a person takes part once"
                )
            )
        seen.add(participant.person_id)
        if participant.debtor is not None and participant.debtor_id is not None:
            errors.append(
                FieldError(
                    field=f"{field}.debtor",
                    rule="one_debtor",
                    message="give a debtor or a debtor_id, not both",
                )
            )
        elif participant.debtor is not None:
            errors += debtor_errors(participant.debtor, field=f"{field}.debtor")
            errors += missing(snapshot(participant.debtor), field=f"{field}.debtor")
    return errors


def _share_errors(
    participants: Sequence[Sharer], policy: Sharing, lines: Sequence[CostLine]
) -> list[FieldError]:
    """Somebody shares, and every sharer's share is at least a cent."""
    count = len(sharers(participants, policy))
    total = sum(line.amount_cents for line in lines)
    if count == 0:
        return [
            FieldError(
                field="body.participants",
                rule="sharers",
                message=f"no participant shares the costs under the policy {policy!r}",
            )
        ]
    if total < count:
        return [
            FieldError(
                field="body",
                rule="share_at_least_one_cent",
                message=f"a total of {total} cents cannot give {count} participants a share",
            )
        ]
    return []


def check_sheet(sheet: CostSheetIn, lines: Sequence[CostLine]) -> None:
    """Refuse a cost sheet that cannot be split into correct invoices (one 422, every rule)."""
    errors = [
        *_length_errors(sheet),
        *_participant_errors(sheet.participants),
        *_share_errors(sheet.participants, sheet.sharing, lines),
    ]
    _refuse(errors)


def check_revision(sheet: CostSheet, lines: Sequence[CostLine]) -> None:
    """A revision's lines must still give every sharer of the sheet a share (a 422)."""
    _refuse(_share_errors(sheet.participants, sheet.sharing, lines))


def _refuse(errors: Sequence[FieldError]) -> None:
    if errors:
        raise RuleViolation(
            "The cost sheet breaks: " + ", ".join(e.rule for e in errors) + ".",
            errors=list(errors),
        )


def _given(
    participant: ParticipantIn, index: int, stored: Mapping[uuid.UUID, StoredDebtor]
) -> Debtor | None:
    """The debtor a sheet gives a participant: as sent, or the stored one ``debtor_id`` names
    (404 when there is none; 422 when it lacks what a Dutch invoice needs of it)."""
    if participant.debtor_id is None:
        return None if participant.debtor is None else snapshot(participant.debtor)
    field = f"body.participants[{index}].debtor_id"
    found = stored.get(participant.debtor_id)
    if found is None:
        raise NotFound(
            f"No debtor {participant.debtor_id}.",
            errors=[FieldError(field=field, rule="exists", message="no such debtor")],
        )
    debtor = snapshot(found)
    if lacks := missing(debtor):
        raise RuleViolation(
            f"The debtor {found.id} cannot be billed yet: " + ", ".join(e.rule for e in lacks),
            errors=[FieldError(field=field, rule=e.rule, message=e.message) for e in lacks],
        )
    return debtor


def resolve(
    participants: Sequence[ParticipantIn], stored: Mapping[uuid.UUID, StoredDebtor]
) -> list[Participant]:
    """The participants as the sheet keeps them: each with the debtor the sheet gives them
    (sent, or copied from a stored one), or none, and their employer."""
    return [
        Participant(
            person_id=participant.person_id,
            name=participant.name,
            member=participant.member,
            attended=participant.attended,
            client_organisation_id=participant.client_organisation_id,
            debtor=_given(participant, index, stored),
        )
        for index, participant in enumerate(participants)
    ]


def buyers(participants: Sequence[Participant], links: Links) -> dict[uuid.UUID, Buyer | None]:
    """Whom each participant's invoice is addressed to, and who that is, by person: the debtor
    the sheet gives, else the one their billing relations give, else nobody (held); their
    billing relations tell whom a debtor given is (``relations.rules``)."""
    return {
        p.person_id: buyer_of(
            links,
            person_id=p.person_id,
            client_organisation_id=p.client_organisation_id,
            given=p.debtor,
        )
        for p in participants
    }


def rate_percent(profile: BillingProfile) -> int:
    """The BTW rate of the profile's invoices: the standard rate, or 0 when exempt."""
    return STANDARD_RATE_PERCENT if profile.btw_mode == "standard" else 0


def drafts(
    sheet: CostSheet, *, btw_rate_percent: int, buyers: Mapping[uuid.UUID, Buyer | None]
) -> list[Draft]:
    """One draft per sharing participant: their equal share, a line per cost type, BTW,
    addressed to their buyer (``buyers``, by person; ``None``: the draft is held)."""
    sharing = sharers(sheet.participants, sheet.sharing)
    rows = split_lines([line.amount_cents for line in sheet.lines], len(sharing))
    count = len(sharing)
    result: list[Draft] = []
    for position, (participant, row) in enumerate(zip(sharing, rows, strict=True)):
        lines = [
            CostLine(
                kind=line.kind,
                description=f"{line.description} (aandeel 1/{count})",
                amount_cents=amount,
            )
            for line, amount in zip(sheet.lines, row, strict=True)
            if amount > 0
        ]
        subtotal = sum(row)
        btw = btw_amount(subtotal, btw_rate_percent)
        buyer = buyers[participant.person_id]
        result.append(
            Draft(
                cost_sheet_id=sheet.id,
                facilitator_id=sheet.facilitator_id,
                description=sheet.description,
                supply_date=sheet.supply_date,
                position=position,
                person_id=participant.person_id,
                participant_name=participant.name,
                client_organisation_id=participant.client_organisation_id,
                buyer=None if buyer is None else buyer.debtor,
                billed_to=None if buyer is None else buyer.billed_to,
                lines=lines,
                btw_rate_percent=btw_rate_percent,
                subtotal_cents=subtotal,
                btw_cents=btw,
                total_cents=subtotal + btw,
            )
        )
    return result


def reconcile(sheet: CostSheet, invoices: Sequence[Invoice]) -> Reconciliation:
    """The cost sheet against its invoices: every cent of the split accounted for."""
    originals = [invoice for invoice in invoices if invoice.kind == "invoice"]
    credit_notes = [invoice for invoice in invoices if invoice.kind == "credit_note"]
    invoiced = sum(invoice.subtotal_cents for invoice in originals)
    by_kind: dict[str, int] = {}
    for invoice in originals:
        for line in invoice.lines:
            by_kind[line.kind] = by_kind.get(line.kind, 0) + line.amount_cents
    by_status: dict[str, int] = {}
    for invoice in invoices:
        key = invoice.status if invoice.kind == "invoice" else "credit_note"
        by_status[key] = by_status.get(key, 0) + 1
    return Reconciliation(
        cost_sheet_id=sheet.id,
        total_cents=sheet.total_cents,
        sharers=len(sharers(sheet.participants, sheet.sharing)),
        invoices=len(originals),
        invoiced_cents=invoiced,
        credited_cents=sum(note.subtotal_cents for note in credit_notes),
        difference_cents=sheet.total_cents - invoiced,
        btw_cents=sum(invoice.btw_cents for invoice in invoices),
        lines=[
            LineReconciliation(
                kind=line.kind,
                amount_cents=line.amount_cents,
                invoiced_cents=by_kind.get(line.kind, 0),
            )
            for line in sheet.lines
        ],
        by_status=by_status,
    )


def check_may_bill(principal: Principal, facilitator_id: uuid.UUID) -> None:
    """An admin records the costs of every session of the tenant; a facilitator their own."""
    if not may_access(principal, facilitator_id):
        raise Forbidden("A facilitator may only bill their own sessions.")


def may_read(principal: Principal, sheet: CostSheet) -> bool:
    return may_access(principal, sheet.facilitator_id)


def facilitator_filter(principal: Principal) -> uuid.UUID | None:
    """The facilitator a list of cost sheets is narrowed to; ``None`` (an admin): not narrowed."""
    if principal.has("admin"):
        return None
    return principal.person or NOBODY
