"""What each reader sees of invoicing's events (ADR 0063; ``topology.event_scope``): an HR
client only the invoices that bill its client organisation (the participant's employer when
the draft was made, ``billed_to: employer``; ADR 0097) and, of a cost sheet's held drafts,
its people's that they do not pay themselves; a service reads none (none consumes them
today)."""

from __future__ import annotations

from typing import Any

from services import topology
from services.kit.events import Narrow, only


def _billing_employer(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """An invoice event whole when the invoice bills the employer ``key``, else nothing: an
    event without ``billed_to`` (written before it was recorded) is not shown."""
    employer = data.get("client_organisation_id") == key and data.get("billed_to") == "employer"
    return data if employer else None


_ITS_PEOPLE = only("held", "client_organisation_id")


def _held_for_employer(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The sheet's held drafts of the employer's people, less those they pay themselves."""
    held = [draft for draft in data.get("held", ()) if draft.get("billed_to") != "person"]
    return _ITS_PEOPLE({**data, "held": held}, key)


FOR_EMPLOYER: dict[str, Narrow] = {
    "invoice.issued": _billing_employer,
    "invoice.paid": _billing_employer,
    "invoice.credited": _billing_employer,
    "cost_sheet.needs_debtor": _held_for_employer,
}
"""Each type as an HR client sees it, narrowed to its client organisation; a type missing
here is not shown to an HR client at all."""

scope = topology.event_scope("invoicing", FOR_EMPLOYER)
