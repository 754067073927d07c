from __future__ import annotations

import uuid
from datetime import datetime

from services.kit.schemas import Outbound


class Consent(Outbound, frozen=True):
    """A participant's grant to a registration body to read their ledger entries in its register."""

    id: uuid.UUID
    person_id: uuid.UUID
    register_code: str
    granted_at: datetime
    revoked_at: datetime | None
    active: bool


class ConsentList(Outbound, frozen=True):
    items: list[Consent]
