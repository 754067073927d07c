from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from services.kit.schemas import PRINTABLE_NOT_BLANK, Inbound, Name, Outbound

from ..registers.rules import CODE_PATTERN, INPUT_PATTERN

Instant = Annotated[
    datetime, msgspec.Meta(tz=True, description="A moment with its UTC offset (RFC 3339).")
]
RegisterCodeIn = Annotated[
    str,
    msgspec.Meta(
        pattern=INPUT_PATTERN,
        description="A register code such as `NIP`; common spellings (`NOvA`, `V&VN`) also do.",
    ),
]
RecognitionCode = Annotated[
    str,
    msgspec.Meta(
        pattern=CODE_PATTERN,
        description="A body that recognises the facilitator: `NOVA`, `LVSC`, `NIP`, ...",
    ),
]
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$"
RegistrationNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=NUMBER_PATTERN,
        description="The person's number in the register, as the register writes it.",
    ),
]
Mode = Literal["in_person", "online"]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PRINTABLE_NOT_BLANK)]


class RegistrationIn(Inbound, kw_only=True, frozen=True):
    register: RegisterCodeIn
    number: RegistrationNumber
    registered_on: date | None = None
    """When the registration started; registers whose cycles run from it need it."""


class RecognitionRoleIn(Inbound, kw_only=True, frozen=True):
    register: RecognitionCode
    role: ShortText


class FacilitatorIn(Inbound, kw_only=True, frozen=True):
    person_id: uuid.UUID | None = None
    name: Name
    recognitions: Annotated[list[RecognitionCode], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    """The registers and bodies that recognise this facilitator, as they stood at the session."""
    roles: Annotated[list[RecognitionRoleIn], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    """The role each recognition gives, where known; a register that requires a role
    (NOvA: `gespreksleider`) counts only a recognition in that role."""


class AttendeeIn(Inbound, kw_only=True, frozen=True):
    person_id: uuid.UUID
    name: Name
    presence: Literal["present", "absent"]
    arrived_at: Instant | None = None
    """Defaults to the session's start."""
    departed_at: Instant | None = None
    """Defaults to the session's end."""
    joined: Mode | None = None
    """How the attendee took part: in a session held in person some may join online (hybrid).
    Defaults to the session's mode."""
    registrations: Annotated[list[RegistrationIn], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    employer_id: uuid.UUID | None = None
    """The client organisation employing the attendee (scheduling's id): the ledger's events
    about them are shown to that organisation's HR client, and to no other."""


class ClosedSessionIn(Inbound, kw_only=True, frozen=True):
    """A closed, signed-off session as it was: names and register numbers of that moment.

    Never a BSN, never case content.
    """

    examples = (
        {
            "session_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d07",
            "date": "2026-03-26",
            "started_at": "2026-03-26T19:00:00+01:00",
            "ended_at": "2026-03-26T21:30:00+01:00",
            "mode": "in_person",
            "group_size": 3,
            "method": "Incidentmethode",
            "facilitator": {
                "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d01",
                "name": "Ingrid van Dijk",
                "recognitions": ["LVSC"],
                "roles": [{"register": "LVSC", "role": "supervisor"}],
            },
            "attendees": [
                {
                    "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04",
                    "name": "Anouk de Vries",
                    "presence": "present",
                    "registrations": [
                        {"register": "SKJ", "number": "110001234", "registered_on": "2015-03-01"}
                    ],
                },
                {
                    "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d08",
                    "name": "Bram Jansen",
                    "presence": "absent",
                },
            ],
        },
    )

    session_id: uuid.UUID
    date: date
    started_at: Instant
    ended_at: Instant
    mode: Mode
    group_size: Annotated[int, msgspec.Meta(ge=1, le=100)]
    method: ShortText | None = None
    facilitator: FacilitatorIn
    attendees: Annotated[list[AttendeeIn], msgspec.Meta(min_length=1, max_length=100)]


class Reason(Outbound, frozen=True):
    """Why a session does not count for a register: a stable rule name and words."""

    rule: str
    message: str


class LedgerEntry(Outbound, frozen=True):
    id: uuid.UUID
    seq: int
    """Position in the organisation's chain, from 1."""
    kind: Literal["credit", "reversal"]
    session_id: uuid.UUID
    person_id: uuid.UUID
    register_code: str
    revision: int
    registration_number: str
    person_name: str
    session_date: date
    started_at: datetime
    ended_at: datetime
    mode: str
    group_size: int
    method: str | None
    facilitator_name: str
    facilitator_recognitions: list[str]
    minutes: int
    """Counted minutes (negative in a reversal)."""
    points_centi: int
    """Counted points in hundredths (negative in a reversal)."""
    rule_set_id: uuid.UUID
    rule_version: int
    cycle_start: date
    cycle_end: date
    """The last day of the cycle the entry counts in."""
    self_declared: bool
    reverses_id: uuid.UUID | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str
    prev_hash: str
    hash: str
    erased: bool = False
    """The person was erased: their name and registration number are gone (both empty); the
    entry, its counts and its hash stay, and the chain still verifies."""


class Judgement(Outbound, kw_only=True, frozen=True):
    person_id: uuid.UUID
    register_code: str
    outcome: Literal["recorded", "already_recorded", "refused", "pending"]
    """`pending`: nothing counts yet, and every reason waits for data that can arrive later
    (the registration date); it is judged again when it does."""
    entry: LedgerEntry | None = None
    reasons: list[Reason] = msgspec.field(default_factory=list)
    rule_version: int | None = None
    """The version of the register's rules it was judged by (null when the register has none)."""


class Checkpoint(Outbound, frozen=True):
    """A signed statement of the chain head: anyone holding the public key can check it."""

    id: uuid.UUID
    seq: int
    head_hash: str
    signed_at: datetime
    key_id: str
    public_key: str
    """The Ed25519 public key, raw, base64url without padding."""
    signature: str
    """Ed25519 signature of `message`, base64url without padding."""
    message: str
    """The exact text signed: `kring-ledger-checkpoint:v1`, org, seq, head hash, signed_at."""


class RecordingResult(Outbound, frozen=True):
    session_id: uuid.UUID
    judgements: list[Judgement]
    checkpoint: Checkpoint | None


class ReversalIn(Inbound, kw_only=True, frozen=True):
    examples = ({"reason": "Dubbel geregistreerd."},)

    reason: ShortText


class EntryPage(Outbound, frozen=True):
    items: list[LedgerEntry]
    next_cursor: str | None


class CheckpointPage(Outbound, frozen=True):
    items: list[Checkpoint]
    next_cursor: str | None


class PublicKey(Outbound, frozen=True):
    key_id: str
    algorithm: Literal["Ed25519"]
    public_key: str
    """Raw public key, base64url without padding (the JWK `x`)."""
    current: bool


class PublicKeyList(Outbound, frozen=True):
    items: list[PublicKey]


class ChainProblem(Outbound, kw_only=True, frozen=True):
    """One way the stored ledger differs from what its chain and checkpoints prove."""

    rule: Literal[
        "sequence_gap",
        "sequence_duplicate",
        "link_broken",
        "hash_mismatch",
        "checkpoint_mismatch",
        "checkpoint_beyond_head",
        "checkpoint_signature",
        "checkpoint_unknown_key",
    ]
    seq: int | None
    entry_id: uuid.UUID | None
    checkpoint_id: uuid.UUID | None = None
    message: str


class Verification(Outbound, frozen=True):
    valid: bool
    """True when every entry links and hashes, and every checkpoint matches the chain."""
    entries_checked: int
    checkpoints_checked: int
    head_seq: int
    head_hash: str | None
    first_bad_entry: ChainProblem | None
    """The earliest entry that is not what the chain proves (null when there is none)."""
    problems: list[ChainProblem]
    """Every problem found, in chain order (at most 100)."""


class CycleCap(Outbound, frozen=True):
    rule: Literal["cap_per_year", "cap_per_cycle"]
    year: int | None
    before_centi: int
    after_centi: int
    message: str


class CycleTotal(Outbound, frozen=True):
    cycle_start: date
    cycle_end: date
    rule_version: int
    """The rule version whose caps and requirement apply: the one in force at the cycle's end."""
    entries: int
    """Credits that count: a reversed credit is not counted (nor are its minutes)."""
    minutes: int
    points_centi_raw: int
    points_centi: int
    """After caps."""
    caps: list[CycleCap]
    required_minutes: int | None
    required_points_centi: int | None
    minutes_missing: int | None
    points_centi_missing: int | None
    complete: bool | None
    """Whether the requirement is met; null when the register sets none."""


class Totals(Outbound, frozen=True):
    person_id: uuid.UUID
    register_code: str
    unit: Literal["hours", "points"]
    cycles: list[CycleTotal]
    erased: bool = False
    """The person was erased: their totals are gone (no cycles)."""


class AttendanceLine(Outbound, frozen=True):
    prefixed_number: str
    """The register's prefix and the registration number: `NIP-00123456`."""
    person_id: uuid.UUID
    person_name: str
    session_date: date
    minutes: int
    points_centi: int
    entry_id: uuid.UUID


class AttendanceList(Outbound, frozen=True):
    session_id: uuid.UUID
    register_code: str
    items: list[AttendanceLine]


class EntryEventData(Outbound, frozen=True):
    """What both entry events state: the entry by its ids, numbers and counts. No names: read
    `GET /v1/ledger/entries/{entry_id}` with a role that may."""

    entry_id: uuid.UUID
    seq: int
    """Position in the organisation's chain, from 1."""
    hash: str
    session_id: uuid.UUID
    session_date: date
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person, as the session's snapshot names it (null
    when it names none)."""
    register_code: str
    registration_number: str
    revision: int
    minutes: int
    """Counted minutes (negative in a reversal)."""
    points_centi: int
    """Counted points in hundredths (negative in a reversal)."""
    rule_version: int
    cycle_start: date
    cycle_end: date
    recorded_at: datetime


class EntryRecordedData(EntryEventData, frozen=True):
    """`ledger.entry_recorded`: a credit was appended to the ledger: a closed session counts for
    an attendee in a register (again, with the next `revision`, after a correction)."""


class EntryReversedData(EntryEventData, frozen=True):
    """`ledger.entry_reversed`: a credit was reversed by an appended entry (a session cancelled
    or corrected, or by hand); the credit itself stays in the chain."""

    reverses_id: uuid.UUID
    reason: str
