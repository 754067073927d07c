from __future__ import annotations

import uuid
from datetime import datetime

from services.kit.schemas import Email, Inbound, Name, Outbound


class PersonIn(Inbound):
    given_name: Name
    family_name: Name
    email: Email | None = None
    employer_id: uuid.UUID | None = None
    """The client organisation employing the person; an HR client's own when it leaves it out."""


class Person(Outbound):
    id: uuid.UUID
    external_id: str
    given_name: str
    family_name: str
    email: str | None
    employer_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class PersonPage(Outbound):
    items: list[Person]
    next_cursor: str | None
