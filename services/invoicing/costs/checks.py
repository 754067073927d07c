"""What a cost sheet must pass beyond its own figures (those are ``rules.py``'s). Pure: no I/O.

- **The session.** A sheet sent to ``POST /v1/cost-sheets`` names a session scheduling knows
  (asked over its API, as the caller), not cancelled, facilitated by the sheet's facilitator;
  otherwise a 422 naming ``body.session_id``. A sheet made from a ``session.closed`` event is
  scheduling's own word and is not asked about.
- **A revision** (``PUT /v1/cost-sheets/{id}``) replaces the sheet's costs and its drafts:
  allowed while every invoice of the sheet is still unissued (a draft, or held for its
  debtor). Once one is issued, paid or credited the sheet stands (a 409): only credit notes
  and a new sheet correct it.
- **A new sheet for a session that has one** replaces it once the old one's billing is undone:
  none of its invoices is issued or paid any more and, if drafts are left, one was credited
  (those drafts are discarded with it). While all its invoices are drafts it is revised, not
  replaced (a 409 naming it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from services.kit.errors import Conflict, FieldError, RuleViolation

from ..invoices.schemas import Invoice
from .schemas import CostSheet, CostSheetIn, ScheduledSession

SESSION_RULES: Final = ("session_unknown", "session_cancelled", "session_facilitator")
"""The rules of :func:`check_session` (a 422 on `body.session_id`)."""
ISSUED: Final = frozenset({"issued", "paid", "credited"})
"""Statuses of an invoice that has a number: it never changes again."""
OUTSTANDING: Final = frozenset({"issued", "paid"})
"""Statuses of an issued invoice not (yet) credited."""


def _session_refusal(rule: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"body.session_id: {message}",
        errors=[FieldError(field="body.session_id", rule=rule, message=message)],
    )


def _conflict(field: str, rule: str, message: str, *, sheet: CostSheet | None = None) -> Conflict:
    """A 409 naming the rule; ``sheet``: the session's sheet it conflicts with, in ``extra``."""
    return Conflict(
        message,
        errors=[FieldError(field=field, rule=rule, message=message)],
        extra=None if sheet is None else {"cost_sheet_id": str(sheet.id)},
    )


def check_session(session: ScheduledSession | None, sheet: CostSheetIn) -> None:
    """The session the sheet names, as scheduling answered the caller (``None``: not found)."""
    if session is None:
        raise _session_refusal("session_unknown", "scheduling has no such session")
    if session.status == "cancelled":
        raise _session_refusal("session_cancelled", "the session is cancelled")
    if session.facilitator_id != sheet.facilitator_id:
        raise _session_refusal(
            "session_facilitator",
            f"the session is facilitated by {session.facilitator_id}, not by the sheet's"
            f" facilitator {sheet.facilitator_id}",
        )


def _issued(invoices: Sequence[Invoice]) -> list[Invoice]:
    return [i for i in invoices if i.kind == "credit_note" or i.status in ISSUED]


def check_revisable(sheet: CostSheet, invoices: Sequence[Invoice]) -> None:
    """A sheet is revised while it is its session's and none of its invoices is issued."""
    field = "path.cost_sheet_id"
    if sheet.superseded_at is not None:
        raise _conflict(
            field, "sheet_superseded", "a newer cost sheet of the session replaced this one"
        )
    if not invoices:
        raise _conflict(
            field, "sheet_undone", "the sheet's drafts were discarded: its session was cancelled"
        )
    if issued := _issued(invoices):
        raise _conflict(
            field,
            "sheet_has_issued_invoice",
            f"{len(issued)} of its invoices are issued: correct them with credit notes and a"
            " new cost sheet",
        )


def check_replaceable(sheet: CostSheet, invoices: Sequence[Invoice]) -> None:
    """A new sheet replaces the session's sheet once that one's billing is undone."""
    field = "body.session_id"
    if outstanding := [i for i in invoices if i.kind == "invoice" and i.status in OUTSTANDING]:
        raise _conflict(
            field,
            "sheet_has_issued_invoice",
            f"the session's cost sheet {sheet.id} has {len(outstanding)} issued invoices:"
            " credit them before a new sheet replaces it",
            sheet=sheet,
        )
    if invoices and not _issued(invoices):
        raise _conflict(
            field,
            "unique",
            f"the session has cost sheet {sheet.id}, not issued yet: revise it"
            f" (PUT /v1/cost-sheets/{sheet.id})",
            sheet=sheet,
        )
