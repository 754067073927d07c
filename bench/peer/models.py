"""ORM models mapped onto the accreditation service's existing tables (only what is read)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Date, DateTime, MetaData, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData(schema="accreditation")
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        str: Text(),
        date: Date(),
        datetime: DateTime(timezone=True),
    }


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    org_id: Mapped[uuid.UUID]
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str]
    session_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID]
    register_code: Mapped[str]
    revision: Mapped[int]
    registration_number: Mapped[str | None]
    person_name: Mapped[str | None]
    session_date: Mapped[date]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    mode: Mapped[str]
    group_size: Mapped[int]
    method: Mapped[str | None]
    facilitator_name: Mapped[str]
    facilitator_recognitions: Mapped[list[str]] = mapped_column(ARRAY(Text))
    minutes: Mapped[int]
    points_centi: Mapped[int]
    rule_set_id: Mapped[uuid.UUID]
    rule_version: Mapped[int]
    cycle_start: Mapped[date]
    cycle_end: Mapped[date]
    self_declared: Mapped[bool]
    reverses_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str]
    prev_hash: Mapped[str]
    hash: Mapped[str]

    @property
    def erased(self) -> bool:
        """Its person was erased: the name and the number are gone."""
        return self.person_name is None


class Consent(Base):
    __tablename__ = "consents"

    org_id: Mapped[uuid.UUID]
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID]
    register_code: Mapped[str]
    revoked_at: Mapped[datetime | None]
