"""Response models: the same fields, in the same order, as Kring's ``LedgerEntry`` (an erased
person's entry shows no name and no number, and says so)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seq: int
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
    points_centi: int
    rule_set_id: uuid.UUID
    rule_version: int
    cycle_start: date
    cycle_end: date
    self_declared: bool
    reverses_id: uuid.UUID | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str
    prev_hash: str
    hash: str
    erased: bool

    @field_validator("person_name", "registration_number", mode="before")
    @classmethod
    def _shown(cls, value: str | None) -> str:
        return value or ""  # an erased person's: gone


class EntryPage(BaseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None
