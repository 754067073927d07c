"""Who may see which client organisation."""

from __future__ import annotations

import uuid

from ..principal import Principal


def visible_organisation(principal: Principal) -> uuid.UUID | None:
    """An HR client sees only its own client organisation; ``None`` means no narrowing."""
    if principal.has("admin"):
        return None
    return principal.client_org or uuid.UUID(int=0)
