"""A person's one request across the three services: their erasure request, and the events
that announce it done or refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from services.kit.schemas import Outbound
from services.kit.subjects import ErasureStatus, Held

RequestStatus = Literal["completed", "refused", "failed"]


class ErasureRefusal(Outbound, frozen=True):
    """Why an erasure request was not carried out: which service answered what."""

    service: str
    status: int
    """The status the service answered (409: it refused, by ``rule``; 5xx: it could not)."""
    rule: str | None
    """The rule it refused by: `open_obligations` while an invoice of the person is unpaid."""
    detail: str
    extra: dict[str, Any] | None
    """What the service named (the unpaid invoices' ids), as it gave them."""


class ErasurePart(Outbound, frozen=True):
    """One service's part of the erasure."""

    service: str
    status: ErasureStatus
    erased_at: datetime
    held: list[Held]


class ErasureRequest(Outbound, frozen=True):
    """A person's erasure in all three services, done in order: invoicing (which refuses while
    an invoice of theirs is unpaid), accreditation, scheduling."""

    id: uuid.UUID
    person_id: uuid.UUID
    status: RequestStatus
    """`completed`: every service did its part (`held` lists what the law keeps, and until
    when); `refused` or `failed`: nothing was erased after `refusal`'s service answered, and
    the request may be made again."""
    requested_by: str
    requested_at: datetime
    completed_at: datetime | None
    refusal: ErasureRefusal | None
    parts: list[ErasurePart]
    """The parts done, in order."""
    held: list[Held]
    """What the services keep for a legal reason (invoices: AWR art. 52(4), GDPR art.
    17(3)(b)), each until its retention ends; the retention job removes it then."""


class ErasureRequestPage(Outbound, frozen=True):
    items: list[ErasureRequest]
    next_cursor: str | None


class PersonErasedData(Outbound, frozen=True):
    """`person.erased`: the person's erasure request is completed in all three services."""

    person_id: uuid.UUID
    erasure_request_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person: its HR system may erase them too."""
    held: list[uuid.UUID]
    """The records kept for a legal reason, until their retention ends."""


class ErasureRefusedData(Outbound, frozen=True):
    """`erasure.refused`: a service refused its part of the person's erasure request by a rule
    (`open_obligations`: an invoice of theirs is unpaid or not yet issued); nothing was
    erased, and the request is kept `refused` (`GET /v1/erasure-requests/{id}`). Asked again
    once what blocks it is settled, it may go ahead."""

    erasure_request_id: uuid.UUID
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person: its HR system may settle the invoices."""
    service: str
    """The service that refused (`invoicing`)."""
    rule: str
    invoice_ids: list[uuid.UUID]
    """What blocks the erasure: the person's invoices not yet settled, by id."""
