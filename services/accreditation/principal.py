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
