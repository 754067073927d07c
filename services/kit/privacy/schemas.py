"""The wire format of the processing log and of the retention settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from ..schemas import Inbound, Outbound
from .rules import Period


class ProcessingLogEntry(Outbound, frozen=True):
    """One read, export or erasure of a person's data: who, when, what, and why."""

    id: uuid.UUID
    at: datetime
    actor_subject: str
    """The reader's subject (the token's `sub`): nothing else about them is kept."""
    actor_role: str
    """The role the read was allowed for."""
    operation: str
    """The operation id called (`exportSubject`, `listRegistrants`, ...)."""
    person_id: uuid.UUID | None
    """The person whose data was read; null for a read of a scope alone."""
    scope: str | None
    """What a bulk read reached (a register, `register SKJ`); null for one person's."""
    grant: str
    """Why it was allowed: the role and its reach, or the consent (`consent <id>`)."""
    request_id: str | None
    """The request's `X-Request-ID`, to find it in the service's logs."""


class ProcessingLogPage(Outbound, frozen=True):
    items: list[ProcessingLogEntry]
    next_cursor: str | None


class RetentionRun(Outbound, frozen=True):
    """What the retention job last removed under a setting."""

    ran_at: datetime
    as_of: datetime
    """The moment the job judged by (`kring retention --as-of`; else when it ran)."""
    cutoff: datetime
    """What was older than this was due."""
    removed: int


class RetentionRemoval(Outbound, frozen=True):
    """What one retention rule removed of the organisation's records in a run."""

    rule: str
    setting: str
    """The setting applied (`GET /v1/retention-settings`), with its `value` and `unit`."""
    value: int
    unit: Period
    cutoff: datetime
    """What was older than this was due."""
    removed: int
    named: list[str]
    """What the removed records were known by, for records users know by a name (invoices
    and credit notes by their numbers, a run of consecutive numbers of one series as
    `first..last`); empty for the others."""


class RetentionAppliedData(Outbound, frozen=True):
    """`retention.applied`: the retention job removed records of the organisation that were
    past their retention, one event per run for everything it removed; each setting's
    `last_run` (`GET /v1/retention-settings`) shows the same."""

    as_of: datetime
    """The moment the job judged by (`kring retention --as-of`; else when it ran)."""
    ran_at: datetime
    removals: list[RetentionRemoval]


class RetentionSetting(Outbound, frozen=True):
    name: str
    unit: Period
    value: int
    """What the organisation keeps: its choice, else `default`."""
    default: int
    minimum: int
    """The floor: below it a setting is refused (`legal_minimum`)."""
    maximum: int
    basis: str
    """Why the floor is where it is (the law, or what the service needs)."""
    description: str
    chosen: bool
    """Whether the organisation chose `value` (else it is the default)."""
    updated_at: datetime | None
    updated_by: str | None
    last_run: RetentionRun | None
    """The retention job's last removal under this setting, if any."""


class RetentionSettings(Outbound, frozen=True):
    settings: list[RetentionSetting]


class RetentionSettingsIn(Inbound, frozen=True):
    """The organisation's retentions: each one named is set, each one left out returns to its
    default."""

    examples = ({"settings": {"outbox_days": 60, "delivery_logs_days": 30}},)

    settings: Annotated[
        dict[str, int],
        msgspec.Meta(
            description="Each retention of this service to set (`GET /v1/retention-settings`"
            " lists them) and its value, a whole number of the setting's unit; any other name"
            " is refused (`unknown_setting`).",
        ),
    ]
