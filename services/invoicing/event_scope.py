"""What each reader sees of invoicing's events (ADR 0063; ``topology.event_scope``): an HR
client only the invoices of its client organisation's people (the participant's employer
when the draft was made) and, of a cost sheet's held drafts, its people's; a service reads
none (none consumes them today)."""

from __future__ import annotations

from services import topology
from services.kit.events import Narrow, only, when

_EMPLOYEE = when("client_organisation_id")

FOR_EMPLOYER: dict[str, Narrow] = {
    "invoice.issued": _EMPLOYEE,
    "invoice.paid": _EMPLOYEE,
    "invoice.credited": _EMPLOYEE,
    "cost_sheet.needs_debtor": only("held", "client_organisation_id"),
}
"""Each type as an HR client sees it, narrowed to its client organisation; a type missing
here is not shown to an HR client at all."""

scope = topology.event_scope("invoicing", FOR_EMPLOYER)
