"""Closed-session snapshots for tests: a valid session unless told otherwise."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from services.accreditation.ledger.schemas import ClosedSessionIn
from services.accreditation.registers.schemas import RuleSpec


def _revision(name: str) -> Any:
    path = Path(__file__).resolve().parents[2] / "services/accreditation/migrations/versions"
    spec = importlib.util.spec_from_file_location(f"accreditation_{name}", path / name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_rules() -> dict[str, RuleSpec]:
    """Version 1 of every catalogue register's rules, as the migration seeds them."""
    seeded = _revision("0002_ledger.py").SEED_RULES
    return {code: msgspec.convert(rules, RuleSpec) for code, rules in seeded.items()}


def catalogue_rules() -> dict[str, RuleSpec]:
    """Every catalogue register's rules in force now: version 1, or its correction (0006)."""
    corrected = _revision("0006_register_rules_corrected.py").CORRECTED_RULES
    return {**seed_rules(), **{c: msgspec.convert(r, RuleSpec) for c, r in corrected.items()}}


NOVA_GESPREKSLEIDER = {"register": "NOVA", "role": "gespreksleider"}
"""The default facilitator's NOvA recognition is as a gespreksleider (NOvA requires the role)."""


def registration(register: str, number: str = "00123456", **extra: Any) -> dict[str, Any]:
    return {"register": register, "number": number, **extra}


def attendee(*registrations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "person_id": str(extra.pop("person_id", uuid.uuid4())),
        "name": extra.pop("name", "Anna de Vries"),
        "presence": extra.pop("presence", "present"),
        "registrations": list(registrations),
        **extra,
    }


def session(
    *attendees: dict[str, Any],
    day: date = date(2024, 3, 10),
    minutes: int = 150,
    mode: str = "in_person",
    group_size: int | None = None,
    recognitions: list[str] | None = None,
    session_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A session starting 13:00 UTC (14:00 or 15:00 in Amsterdam) on ``day``."""
    start = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    people = list(attendees) or [attendee(registration("NIP"))]
    return {
        "session_id": str(session_id or uuid.uuid4()),
        "date": day.isoformat(),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "mode": mode,
        "group_size": group_size if group_size is not None else max(len(people), 6),
        "method": "Incidentmethode",
        "facilitator": {
            "name": "Bram Jansen",
            "recognitions": recognitions
            if recognitions is not None
            else ["NOVA", "NIP", "LVSC", "MFN"],
            "roles": [] if recognitions is not None else [NOVA_GESPREKSLEIDER],
        },
        "attendees": people,
    }


def parsed(body: dict[str, Any]) -> ClosedSessionIn:
    return msgspec.convert(body, ClosedSessionIn)
