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
- **Removed numbers are stated as ranges.** A number is its series and a sequence
  (``PREFIX-YEAR-00042``: the series is all before the last ``-``); the numbers removed are
  stated per series in order, each run of consecutive sequences as ``first..last`` and a
  number alone as itself (:func:`number_ranges`), so that a year removed whole is one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
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


RANGE: Final = ".."
"""Between the first and the last number of a run of consecutive numbers of one series."""


def _sequence(number: str) -> tuple[str, int] | None:
    """A number's series and sequence (``F-2019-00042`` -> ``("F-2019", 42)``), if it has one."""
    series, dash, sequence = number.rpartition("-")
    return (series, int(sequence)) if dash and sequence.isdigit() else None


def _runs(numbers: Sequence[tuple[int, str]]) -> Iterator[str]:
    """One series' numbers (sequence, number), in order of sequence: each run as one line."""
    start = end = numbers[0]
    for current in numbers[1:]:
        if current[0] != end[0] + 1:
            yield _run(start[1], end[1])
            start = current
        end = current
    yield _run(start[1], end[1])


def _run(first: str, last: str) -> str:
    return first if first == last else f"{first}{RANGE}{last}"


def number_ranges(numbers: Sequence[str]) -> list[str]:
    """The numbers, once each, by series (in name order) and sequence; consecutive sequences of
    a series as ``first..last``. A number without a sequence is stated as itself, at the end."""
    series: dict[str, set[tuple[int, str]]] = {}
    loose = set()
    for number in numbers:
        if (parsed := _sequence(number)) is None:
            loose.add(number)
        else:
            series.setdefault(parsed[0], set()).add((parsed[1], number))
    stated = [line for name in sorted(series) for line in _runs(sorted(series[name]))]
    return [*stated, *sorted(loose)]
