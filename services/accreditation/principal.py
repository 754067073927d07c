"""Who may call accreditation: its roles and the claims that narrow a caller."""

from __future__ import annotations

import uuid

from services.kit import principal

ROLES = frozenset({"admin", "facilitator", "participant", "hr", "registrar", "service"})


class Principal(principal.Principal, frozen=True, kw_only=True):
    """A verified caller of accreditation."""

    person: uuid.UUID | None = None
    """The person the caller is: a participant or a facilitator."""
    register: str | None = None
    """The one register a registration body reads for."""
    supervisor: bool = False
    """The person (claim `person`) is a supervisor who may countersign the reflection
    statements that name them, without being one of the organisation's facilitators."""
    client_org: uuid.UUID | None = None
    """The one client organisation an HR client acts for (scheduling's id): what of the
    ledger's events it sees."""
