from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE, PRINTABLE_NOT_BLANK, Inbound, Name, Outbound

from .rules import CODE_PATTERN, REASON_MAX_LENGTH

RegisterCode = Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]


class Register(Outbound, frozen=True):
    """A professional register that may count intervisie hours."""

    code: RegisterCode
    """The canonical code, upper-case: `SKJ`, `NOVA`, `MFN`, ..."""
    name: str
    """The name the register goes by: `NOvA`, `V&VN`, `Register Vaktherapie`."""
    full_name: str
    """The register's full Dutch name."""
    profession: str
    website: str | None
    counts_intervisie: bool
    """Whether intervisie may count towards (re-)registration at all; the rules come per version."""
    notes: str
    defined_by: Literal["catalogue", "organisation"] = "catalogue"
    """`catalogue`: a register Kring maintains; `organisation`: the caller's organisation's own."""


class RegisterList(Outbound, frozen=True):
    items: list[Register]


Code = Annotated[
    str, msgspec.Meta(pattern=CODE_PATTERN, description="A canonical register code: `NOVA`.")
]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=1440)]
Centi = Annotated[int, msgspec.Meta(ge=0, le=10_000_000, description="Points in hundredths.")]
GroupSize = Annotated[int, msgspec.Meta(ge=1, le=100)]
Note = Annotated[str, msgspec.Meta(max_length=1000, pattern=PRINTABLE)]
Role = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=80,
        pattern=PRINTABLE_NOT_BLANK,
        description="A role a register recognises: `gespreksleider`, `supervisor`.",
    ),
]


class RuleSpec(Inbound, kw_only=True, frozen=True):
    """What one version of a register's rules says. Every figure is data, never a constant.

    Hours are counted in minutes and points in hundredths (`*_centi`), all integers.
    """

    examples = (
        {
            "unit": "hours",
            "min_session_minutes": 60,
            "online_counts": False,
            "group_min": 3,
            "group_max": 10,
            "cycle_alignment": "calendar_year",
            "required_minutes_per_cycle": 480,
            "source": "Kwaliteitsbeleid 2026, artikel 4",
        },
    )

    unit: Literal["hours", "points"]
    """What the register counts: hours, or points (converted from hours)."""
    points_centi_per_hour: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 100
    """Points, in hundredths, for one counted hour (100: 1 point per hour)."""
    minutes_granularity: Annotated[int, msgspec.Meta(ge=1, le=60)] = 1
    """Counted minutes are rounded down to a multiple of this (15: quarter hours)."""
    min_session_minutes: Minutes = 0
    """A session shorter than this, or attended for less, does not count."""
    max_counted_minutes_per_session: Annotated[int, msgspec.Meta(ge=1, le=1440)] | None = None
    """At most this many minutes of one session count."""
    online_counts: bool = True
    group_min: GroupSize | None = None
    group_max: GroupSize | None = None
    facilitator_recognitions: Annotated[list[Code], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    """The facilitator must hold at least one of these recognitions; empty: no requirement. A
    register that recognises intervisors itself lists its own code (SKJ)."""
    facilitator_role: Role | None = None
    """The role that recognition must give (NOvA: `gespreksleider`, not any registered lawyer);
    compared without regard to case. None: any role."""
    min_present: GroupSize | None = None
    """At least this many attendees present at the meeting (not merely members of the group)."""
    min_peers_with_registration: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    """At least this many present attendees (the person included) registered with the register."""
    cap_per_year_centi: Centi | None = None
    """At most this many points (hundredths) count per calendar year."""
    cap_per_cycle_centi: Centi | None = None
    """At most this many points (hundredths) count per cycle."""
    cycle_alignment: Literal["calendar_year", "fixed", "registration"] = "calendar_year"
    """Cycles start on 1 January of `cycle_anchor`'s year, on `cycle_anchor` itself, or on the
    person's registration date."""
    cycle_years: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    cycle_anchor: date = date(2000, 1, 1)
    required_minutes_per_cycle: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    required_points_centi_per_cycle: Centi | None = None
    self_declared: bool = False
    """The register does not accredit per activity: entries are evidence the person declares."""
    uncertain: Annotated[
        list[Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,64}$")]], msgspec.Meta(max_length=30)
    ] = msgspec.field(default_factory=list)
    """Which figures are uncertain (named by field)."""
    source: Note = ""
    """Where the figures come from."""


Reason = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=REASON_MAX_LENGTH,
        pattern=PRINTABLE_NOT_BLANK,
        description="Why the organisation's version differs from the catalogue's.",
    ),
]


class RuleSetIn(Inbound, kw_only=True, frozen=True):
    """A new version of an organisation register's rules, or the organisation's override of a
    catalogue register's uncertain figures."""

    examples = (
        {
            "valid_from": "2026-01-01",
            "rules": {
                "unit": "hours",
                "min_session_minutes": 60,
                "online_counts": False,
                "group_min": 3,
                "group_max": 10,
                "cycle_alignment": "calendar_year",
                "required_minutes_per_cycle": 480,
                "source": "Kwaliteitsbeleid 2026, artikel 4",
            },
        },
    )

    valid_from: date
    """Sessions on or after this date are judged by this version (until a later one). It must
    be after every version's date, and after every session already judged in the register."""
    rules: RuleSpec
    """For a catalogue register: the catalogue's rules with only figures it marks `uncertain`
    changed (and `source`, if you like)."""
    reason: Reason | None = None
    """Why: required to override a catalogue register's rules, optional otherwise."""


class RuleSet(Outbound, frozen=True):
    id: uuid.UUID
    register_code: str
    version: int
    valid_from: date
    rules: RuleSpec
    created_at: datetime
    overrides: bool = False
    """The organisation's override of a catalogue register's uncertain figures: it applies to
    the organisation alone; every other organisation keeps the catalogue's version."""
    reason: str | None = None
    """Why this version differs (an override always says why)."""


class RuleSetList(Outbound, frozen=True):
    items: list[RuleSet]


class OrganisationRegisterIn(Inbound, kw_only=True, frozen=True):
    """A register the organisation defines itself (an employer's own CPD scheme, say)."""

    examples = (
        {
            "name": "JZU nascholing",
            "full_name": "Nascholingsregister Jeugdzorg Utrecht",
            "profession": "Jeugdprofessional",
            "website": "https://www.example.nl/nascholing",
            "notes": "Het eigen register van de werkgever.",
        },
    )

    name: Name
    full_name: Name
    profession: Name
    website: Annotated[str, msgspec.Meta(pattern=r"^https://[^\x00-\x20\x7f]{1,200}$")] | None = (
        None
    )
    notes: Note = ""
