from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Email, Inbound, Name, Outbound

RegisterCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z][A-Z0-9_]{1,31}$",
        description="A register's code: SKJ, NOVA, MFN, NIP, NVO, VAKTHERAPIE, VVN, BIG, LVSC, ….",
    ),
]
RegistrationNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=PRINTABLE_NOT_BLANK,
        description=(
            "The person's number in the register, as the register writes it: letters, digits,"
            " `.`, `/` and `-`, at most 32, beginning with a letter or digit (`110012345`,"
            " `S-1`); any other number (`12 345`) is refused with 422, rule"
            " `registration_number`."
        ),
    ),
]


class Registration(Inbound, Outbound, frozen=True):
    """A professional registration: the register and the person's number in it."""

    register: RegisterCode
    number: RegistrationNumber
    registered_on: date | None = None
    """When the registration began; registers with personal cycles (SKJ, NIP, …) count from it."""


class PersonIn(Inbound, kw_only=True, frozen=True):
    examples = (
        {
            "given_name": "Anouk",
            "family_name": "de Vries",
            "email": "anouk.devries@example.nl",
            "employer_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d02",
            "manager_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d06",
            "career_started_on": "2012-09-01",
            "registrations": [
                {"register": "SKJ", "number": "110001234", "registered_on": "2015-03-01"}
            ],
        },
    )

    given_name: Name
    family_name: Name
    email: Email | None = None
    employer_id: uuid.UUID | None = None
    """The client organisation employing the person; an HR client's own when it leaves it out."""
    manager_id: uuid.UUID | None = None
    """The person's manager (another person of the organisation), for the no-hierarchy rule."""
    career_started_on: date | None = None
    """When the person's professional career began, for the seniority spread of a group."""
    registrations: list[Registration] = msgspec.field(default_factory=list)
    """Every professional registration; the list replaces what was stored."""


class Person(Outbound, frozen=True):
    id: uuid.UUID
    external_id: str
    given_name: str
    family_name: str
    email: str | None
    employer_id: uuid.UUID | None
    manager_id: uuid.UUID | None
    career_started_on: date | None
    registrations: list[Registration]
    created_at: datetime
    updated_at: datetime


class PersonPage(Outbound, frozen=True):
    items: list[Person]
    next_cursor: str | None


MAX_BATCH = 500
"""The most people one batch upserts; a larger sync is sent as several batches."""

ExternalId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:@-]+$",
        description="The caller's own identifier (letters, digits and . _ : @ -).",
    ),
]
"""The body form of the ``external_id`` path parameter, with the same constraints."""

Outcome = Literal["created", "updated", "unchanged"]


class PersonBatchItem(PersonIn, kw_only=True, frozen=True):
    """One person of a batch: the HR system's own id and everything the single upsert takes."""

    external_id: ExternalId


class PeopleBatchIn(Inbound, frozen=True):
    examples = (
        {
            "items": [
                {
                    "external_id": "hr-10042",
                    "given_name": "Bram",
                    "family_name": "Jansen",
                    "email": "bram.jansen@example.nl",
                    "employer_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d02",
                    "career_started_on": "2016-02-01",
                    "registrations": [{"register": "SKJ", "number": "110004321"}],
                }
            ]
        },
    )

    items: Annotated[list[PersonBatchItem], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]
    """The people to create or update; each external id at most once."""


class PersonOutcome(Outbound, frozen=True):
    external_id: str
    id: uuid.UUID
    outcome: Outcome
    """``unchanged`` when neither the person's fields nor their registrations changed."""


class PeopleBatchResult(Outbound, frozen=True):
    items: list[PersonOutcome]
    """One per item, in the order of the request."""
    created: int
    updated: int
    unchanged: int


class EventRegistration(Outbound, frozen=True):
    register: str
    number: str
    registered_on: date | None = None


class PersonUpdatedData(Outbound, frozen=True):
    """`person.updated`: an upsert changed a stored person; their name and registrations now."""

    person_id: uuid.UUID
    name: str
    """As attendees are named in `session.closed`: given name, a space, family name."""
    employer_id: uuid.UUID | None
    """The client organisation employing the person now."""
    registrations: list[EventRegistration]
    """Every registration the person now has, by register code."""


class PersonResyncRefusedData(Outbound, frozen=True):
    """`person.resync_refused`: an upsert sent the HR system's id of a person Kring erased (or
    an erased person's pseudonym, `erased-<person id>`) and was refused, 422 with rule
    `erased`: nobody was created or changed. It names no person, only the request and where
    in it the id stood, so that the HR system can drop the person from its sync (ADR 0098).
    An id sent again is refused each time and announced again a day later at the earliest."""

    operation: Literal["upsertPerson", "upsertPeople"]
    """The refused request's operation: the single upsert or the batch."""
    request_id: str | None
    """The refused request's id, as its answer's `X-Request-ID` carried it."""
    field: str
    """Where in that request the id stood: `path.external_id`, `body.items[3].external_id`."""
    rule: Literal["erased"]
    employer_id: uuid.UUID | None
    """The client organisation the request wrote the person for (an HR client's own): its HR
    client reads this event."""
