"""A person's invoices under the law: what blocks their erasure, what is kept and until when.
Pure.

- **Open obligations.** An invoice of the person that is not settled (``issued`` and unpaid,
  or not yet issued: a ``draft`` or one held in ``needs_debtor``) refuses the erasure: the
  person still owes it, and erasing would leave nobody to bill. Nothing is erased then.
- **Retention.** Dutch tax law keeps every issued invoice and credit note for
  :data:`LEGAL_MINIMUM_YEARS` after the end of the year of its issue (AWR art. 52(4)); GDPR
  art. 17(3)(b) exempts it from erasure for that time. A tenant may keep them longer, never
  shorter. An invoice issued on any day of year ``Y`` is kept to 31 December of ``Y + years``
  (:func:`kept_until`), and is due for removal from 1 January of ``Y + years + 1``: on a day
  ``as_of``, exactly those issued before :func:`cutoff` are due.
- **A credited invoice and its credit note go together.** The credit note references the
  invoice it credits, and the pair documents one correction, so the pair is kept until the
  later of the two is due (a credit note issued in a later year keeps its invoice with it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final, NamedTuple

from services.kit.errors import Conflict, FieldError
from services.kit.subjects import Held

from ..invoices.schemas import InvoiceKind, InvoiceStatus

LEGAL_MINIMUM_YEARS: Final = 7
"""AWR art. 52(4): seven years after the end of the year of issue."""
REASON: Final = (
    "Kept for the tax authorities: AWR art. 52(4) requires an invoice to be kept for seven "
    "years after the end of the year of its issue; GDPR art. 17(3)(b) exempts it from "
    "erasure for that time."
)
OPEN: Final[frozenset[InvoiceStatus]] = frozenset({"draft", "needs_debtor", "issued"})
"""The statuses of an invoice (not a credit note) that is not settled."""
OPEN_OBLIGATIONS: Final = "open_obligations"


class Kept(NamedTuple):
    """An invoice or credit note of the person, as the erasure and the retention judge it."""

    id: uuid.UUID
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    issue_date: date | None
    credits_id: uuid.UUID | None


def kept_until(issue_date: date, years: int = LEGAL_MINIMUM_YEARS) -> date:
    """The last day an invoice issued on ``issue_date`` is kept: 31 December, ``years`` after
    the year of issue."""
    return date(issue_date.year + years, 12, 31)


def cutoff(as_of: date, years: int = LEGAL_MINIMUM_YEARS) -> date:
    """On ``as_of``, the invoices issued before this date are past their retention."""
    return date(as_of.year - years, 1, 1)


def is_due(issue_date: date, as_of: date, years: int = LEGAL_MINIMUM_YEARS) -> bool:
    return as_of > kept_until(issue_date, years)


def open_obligations(invoices: Iterable[Kept]) -> list[Kept]:
    """The person's invoices not yet settled: each refuses the erasure."""
    return [i for i in invoices if i.kind == "invoice" and i.status in OPEN]


def check_erasable(invoices: Sequence[Kept]) -> None:
    """A 409 naming every unsettled invoice (``extra.invoices``) while there is one."""
    if not (unsettled := open_obligations(invoices)):
        return
    raise Conflict(
        f"The person has {len(unsettled)} invoice(s) not yet settled: their data is erased "
        "once each is paid or credited.",
        errors=[
            FieldError(
                field="path.person_id",
                rule=OPEN_OBLIGATIONS,
                message="an invoice of the person is unpaid or not yet issued",
            )
        ],
        extra={
            "invoices": [
                {"id": str(i.id), "number": i.number, "status": i.status} for i in unsettled
            ]
        },
    )


def held(invoices: Iterable[Kept], years: int = LEGAL_MINIMUM_YEARS) -> list[Held]:
    """What an erasure keeps of these (issued) invoices and credit notes, each with the legal
    reason and the last day it is kept: for a credited invoice and its credit note, the later
    of the two's."""
    issued = [i for i in invoices if i.issue_date is not None]
    until = {i.id: kept_until(i.issue_date, years) for i in issued if i.issue_date is not None}
    for note in issued:
        if note.credits_id is not None and note.credits_id in until:
            paired = max(until[note.id], until[note.credits_id])
            until[note.id] = until[note.credits_id] = paired
    return [
        Held(kind=i.kind, id=i.id, number=i.number, reason=REASON, until=until[i.id])
        for i in issued
    ]
