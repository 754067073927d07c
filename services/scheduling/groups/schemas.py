from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from services.kit.errors import FieldError
from services.kit.schemas import PRINTABLE_NOT_BLANK, Inbound, Name, Outbound

Mode = Literal["in_person", "online", "hybrid"]
Location = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=PRINTABLE_NOT_BLANK)]
AgreementText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=10_000,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        description="Text of the agreement; may hold line breaks.",
    ),
]
Size = Annotated[int, msgspec.Meta(ge=2, le=50)]


class SizePolicy(Inbound, Outbound, frozen=True):
    """How many counting members a group should have (registers differ: NOvA 3-10, MfN >= 5)."""

    min: Size = 6
    max: Size = 10
    recommended: Size = 8


class AgreementIn(Inbound, frozen=True):
    """Ground rules and confidentiality every member accepts; a change is a new version."""

    examples = (
        {
            "ground_rules": "We beginnen op tijd.\nWe brengen elk een casus in.",
            "confidentiality": "Wat in de groep besproken wordt, blijft in de groep.",
        },
    )

    multiline: ClassVar[frozenset[str]] = frozenset({"ground_rules", "confidentiality"})
    ground_rules: AgreementText
    confidentiality: AgreementText


class GroupIn(Inbound, kw_only=True, frozen=True):
    examples = (
        {
            "name": "Intervisiegroep Jeugd Utrecht",
            "facilitator_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d01",
            "mode": "in_person",
            "location": "Stadskantoor Utrecht, Jaarbeursplein 13",
            "size": {"min": 6, "max": 10, "recommended": 8},
            "max_absences": 1,
            "seniority_spread_warning_years": 15,
            "agreement": {
                "ground_rules": "We beginnen op tijd.\nWe brengen elk een casus in.",
                "confidentiality": "Wat in de groep besproken wordt, blijft in de groep.",
            },
        },
    )

    name: Name
    facilitator_id: uuid.UUID
    mode: Mode
    location: Location | None = None
    default_method_id: uuid.UUID | None = None
    size: SizePolicy = msgspec.field(default_factory=SizePolicy)
    max_absences: Annotated[int, msgspec.Meta(ge=0, le=20)] = 1
    """Absences per member per year before a warning."""
    seniority_spread_warning_years: Annotated[int, msgspec.Meta(ge=0, le=60)] = 15
    """Warn when members' careers started further apart than this."""
    agreement: AgreementIn


class MemberIn(Inbound, frozen=True):
    examples = ({"person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04"},)

    person_id: uuid.UUID


class ConsentIn(Inbound, frozen=True):
    examples = ({"voluntary": True},)

    voluntary: bool
    """The member takes part of their own free will; it must be true."""


class AcceptanceIn(Inbound, frozen=True):
    examples = ({"agreement_version": 1},)

    agreement_version: Annotated[int, msgspec.Meta(ge=1)]


class Agreement(Outbound, frozen=True):
    version: int
    ground_rules: str
    confidentiality: str
    created_at: datetime


class Member(Outbound, frozen=True):
    person_id: uuid.UUID
    given_name: str
    family_name: str
    joined_at: datetime
    consent_at: datetime | None
    accepted_agreement_version: int | None
    accepted_at: datetime | None
    counts: bool
    """Counts only with voluntary consent recorded and the current agreement accepted."""


class Group(Outbound, frozen=True):
    id: uuid.UUID
    name: str
    facilitator_id: uuid.UUID
    mode: Mode
    location: str | None
    default_method_id: uuid.UUID | None
    size: SizePolicy
    max_absences: int
    seniority_spread_warning_years: int
    agreement: Agreement
    members: list[Member]
    warnings: list[FieldError]
    """Rules the group does not yet meet, or advice; they do not refuse anything."""
    created_at: datetime
    updated_at: datetime


class GroupSummary(Outbound, frozen=True):
    id: uuid.UUID
    name: str
    facilitator_id: uuid.UUID
    mode: Mode
    members: int
    created_at: datetime


class GroupPage(Outbound, frozen=True):
    items: list[GroupSummary]
    next_cursor: str | None


class GroupMemberData(Outbound, frozen=True):
    """What both membership events state: the group, the person and whose employee they are."""

    group_id: uuid.UUID
    group_name: str
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person."""
    members: int
    """The group's members after the change."""


class GroupMemberAddedData(GroupMemberData, frozen=True):
    """`group.member_added`: a person joined the group (or joined again after leaving)."""

    joined_at: datetime


class GroupMemberLeftData(GroupMemberData, frozen=True):
    """`group.member_left`: a member left the group, by their own choice or the facilitator's."""

    left_at: datetime
