"""The rules of attendance: times within the session, absences per year, who still signs.

Pure functions: no I/O, no framework. Times are instants; they are compared in UTC, shown in
Amsterdam time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from services.kit.errors import FieldError, RuleViolation

from ..sessions.rules import AMSTERDAM, local_text, period, refusal
from ..sessions.schemas import Warning


def check_attendance(
    status: str,
    *,
    arrived_at: datetime | None,
    departed_at: datetime | None,
    starts_at: datetime,
    ends_at: datetime,
) -> tuple[datetime | None, datetime | None]:
    """Times belong to present members only, default to the session's, and lie within it."""
    if status != "present":
        if arrived_at is not None or departed_at is not None:
            raise refusal(
                "body.arrived_at" if arrived_at is not None else "body.departed_at",
                "times_only_when_present",
                f"an {status} member has no arrival or departure time",
            )
        return None, None
    # In UTC: Python compares two times of one zone by wall clock, blind to the autumn fold.
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    arrived = (arrived_at or starts_at).astimezone(UTC)
    departed = (departed_at or ends_at).astimezone(UTC)
    for field, value in (("body.arrived_at", arrived), ("body.departed_at", departed)):
        if not starts_at <= value <= ends_at:
            raise refusal(
                field,
                "within_session",
                f"must lie within the session ({local_text(starts_at)} to {local_text(ends_at)})",
            )
    if departed <= arrived:
        raise refusal(
            "body.departed_at", "departure_after_arrival", "departure must come after arrival"
        )
    return arrived, departed


def check_joined(status: str, joined: str | None, *, mode: str) -> str | None:
    """How a present member joined, where the facilitator says: only a hybrid session is
    joined either way; an in-person or online session is joined as it is held."""
    if joined is None:
        return None
    if status != "present":
        raise refusal("body.joined", "joined_only_when_present", f"an {status} member did not join")
    if mode != "hybrid" and joined != mode:
        raise refusal("body.joined", "joined_as_held", f"a session held {mode} is joined {mode}")
    return joined


def joined_as(mode: str, joined: str | None, *, status: str) -> str | None:
    """How a member took part, for the snapshot: none when not present; in a hybrid session as
    recorded (in person when not said), otherwise as the session was held."""
    if status != "present":
        return None
    if mode == "hybrid":
        return joined or "in_person"
    return mode


def year_of(value: datetime) -> tuple[datetime, datetime]:
    """The Amsterdam calendar year holding ``value``, as half-open instants."""
    year = value.astimezone(AMSTERDAM).year
    start, end = period(date(year, 1, 1), date(year, 12, 31))
    assert start is not None and end is not None
    return start, end


def absence_warnings(
    absences: Mapping[uuid.UUID, int], *, max_absences: int, only: Iterable[uuid.UUID] | None = None
) -> list[Warning]:
    """Members absent (not excused) more often in a year than the group allows."""
    wanted = set(only) if only is not None else set(absences)
    return [
        Warning(
            rule="max_absences",
            person_id=person_id,
            message=f"absent {count} times this year; the group allows {max_absences}",
        )
        for person_id, count in sorted(absences.items())
        if person_id in wanted and count > max_absences
    ]


def missing_signatures(
    *,
    facilitator_id: uuid.UUID,
    facilitator_signed: bool,
    present: Mapping[uuid.UUID, bool],
) -> list[uuid.UUID]:
    """Who still has to sign the proof: the facilitator, then each present participant."""
    missing = [] if facilitator_signed else [facilitator_id]
    return missing + [person for person, confirmed in present.items() if not confirmed]


def check_member(person_id: uuid.UUID, members: Iterable[uuid.UUID]) -> None:
    if person_id not in set(members):
        message = "not a member of the session's group"
        raise RuleViolation(
            f"Person {person_id} is {message}.",
            errors=[FieldError(field="path.person_id", rule="not_a_member", message=message)],
        )


def check_may_confirm(own_status: str | None) -> None:
    if own_status != "present":
        message = "only members recorded as present confirm their attendance"
        raise RuleViolation(
            message,
            errors=[FieldError(field="path.session_id", rule="present_only", message=message)],
        )


def unrecorded(members: Iterable[uuid.UUID], recorded: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Members of the session without an attendance record, in id order."""
    return sorted(set(members) - set(recorded))
