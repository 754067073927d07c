"""Who may call invoicing: its roles and the claims that narrow a caller."""

from __future__ import annotations

import uuid

from services.kit import principal

ROLES = frozenset({"admin", "facilitator", "participant", "hr", "registrar", "service"})


class Principal(principal.Principal, frozen=True, kw_only=True):
    """A verified caller of invoicing."""

    person: uuid.UUID | None = None
    """The person the caller is: a participant or a facilitator."""
    client_org: uuid.UUID | None = None
    """The one client organisation an HR client acts for (scheduling's id): the invoices of its
    employees it reads, the events about them, and the debtor it links for them."""
