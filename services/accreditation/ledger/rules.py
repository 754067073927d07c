"""Eligibility, cycles, conversion and caps: pure functions, no I/O.

Hours are counted in whole minutes and points in hundredths of a point
(``points_centi``), so that every sum is exact. Every threshold comes from a
register's :class:`RuleSpec`, never from this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from services.kit.errors import FieldError, Forbidden, RuleViolation
from services.kit.subjects import bsn_refused, looks_like_bsn

from ..principal import Principal
from ..registers.rules import normalise_code
from ..registers.schemas import RuleSpec
from .checks import (
    cycle_anchor,
    facilitator_reasons,
    length_reasons,
    online_reasons,
    registration_date_reasons,
    size_reasons,
)
from .schemas import (
    AttendeeIn,
    ClosedSessionIn,
    CycleCap,
    CycleTotal,
    LedgerEntry,
    Reason,
    RegistrationIn,
)


@dataclass(frozen=True, slots=True)
class Eligible:
    minutes: int
    points_centi: int
    cycle_start: date
    cycle_end: date


@dataclass(frozen=True, slots=True)
class Refused:
    reasons: list[Reason] = field(default_factory=list)


# --- who may read what ----------------------------------------------------------------------


def registrar_register(principal: Principal) -> str:
    """The register a registration body's token names (claim `register`)."""
    if not principal.register:
        raise Forbidden("A registrar's token must name its register (claim 'register').")
    return normalise_code(principal.register)


def may_read_person(principal: Principal, person_id: uuid.UUID) -> bool:
    """Admins read anyone's ledger; a participant only their own. A service reads none: it
    records (ADR 0082)."""
    return principal.has("admin") or principal.person == person_id


# --- cycles ---------------------------------------------------------------------------------


def cycle_containing(day: date, *, anchor: date, years: int) -> tuple[date, date]:
    """The cycle of ``years`` years, aligned on ``anchor``, that holds ``day``: first and last day.

    Cycles tile time in both directions from the anchor, so a day before the anchor still
    falls in exactly one cycle.
    """
    months = 12 * years
    elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    k = elapsed // months
    start = anchor + relativedelta(months=k * months)
    if start > day:
        k -= 1
    elif anchor + relativedelta(months=(k + 1) * months) <= day:
        k += 1
    start = anchor + relativedelta(months=k * months)
    end = anchor + relativedelta(months=(k + 1) * months) - relativedelta(days=1)
    return start, end


# --- conversion -----------------------------------------------------------------------------


def counted_minutes(attended: int, rules: RuleSpec) -> int:
    """Attended minutes, capped per session and rounded down to the register's granularity."""
    minutes = max(attended, 0)
    if rules.max_counted_minutes_per_session is not None:
        minutes = min(minutes, rules.max_counted_minutes_per_session)
    return minutes - minutes % rules.minutes_granularity


def points_centi(minutes: int, rules: RuleSpec) -> int:
    """Points in hundredths for counted minutes, rounded down to a whole hundredth."""
    return minutes * rules.points_centi_per_hour // 60


def whole_minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def joined(session: ClosedSessionIn, attendee: AttendeeIn) -> str:
    """How the attendee took part: as they joined (hybrid), else as the session was held."""
    return attendee.joined or session.mode


def attended_minutes(session: ClosedSessionIn, attendee: AttendeeIn) -> int:
    """The part of the session the attendee was there for, in whole minutes."""
    arrived = max(attendee.arrived_at or session.started_at, session.started_at)
    departed = min(attendee.departed_at or session.ended_at, session.ended_at)
    return max(whole_minutes(arrived, departed), 0)


# --- eligibility ----------------------------------------------------------------------------


def peers_registered(session: ClosedSessionIn, register_code: str) -> int:
    """Present attendees registered with the register."""
    return sum(
        1
        for attendee in session.attendees
        if attendee.presence == "present"
        and any(normalise_code(r.register) == register_code for r in attendee.registrations)
    )


def judge(
    session: ClosedSessionIn,
    attendee: AttendeeIn,
    registration: RegistrationIn,
    *,
    register_code: str,
    rules: RuleSpec,
    peers_registered: int,
) -> Eligible | Refused:
    """What one attendee's presence at one session counts for one register: every reason if not.

    ``peers_registered`` is the number of present attendees registered with the register (the
    attendee included).
    """
    anchor = cycle_anchor(rules, registration.registered_on)
    reasons = [
        *_attendance_reasons(session, attendee, register_code=register_code, rules=rules),
        *_group_reasons(
            session, register_code=register_code, rules=rules, peers_registered=peers_registered
        ),
        *facilitator_reasons(
            session.facilitator.recognitions, session.facilitator.roles, rules=rules
        ),
        *_registration_reasons(session, registration, register_code=register_code, rules=rules),
    ]
    minutes = counted_minutes(attended_minutes(session, attendee), rules)
    if not reasons and minutes == 0:
        reasons.append(Reason(rule="nothing_to_count", message="no minutes count after rounding"))
    if reasons or anchor is None:
        return Refused(reasons)
    start, end = cycle_containing(session.date, anchor=anchor, years=rules.cycle_years)
    return Eligible(
        minutes=minutes,
        points_centi=points_centi(minutes, rules),
        cycle_start=start,
        cycle_end=end,
    )


def _attendance_reasons(
    session: ClosedSessionIn, attendee: AttendeeIn, *, register_code: str, rules: RuleSpec
) -> Iterator[Reason]:
    """Presence, online hours and length: of the session, then of the attendee's part."""
    session_minutes = whole_minutes(session.started_at, session.ended_at)
    attended = attended_minutes(session, attendee)
    if attendee.presence != "present":
        yield Reason(rule="presence", message="the attendee was not present")
    yield from online_reasons(
        joined(session, attendee),
        session_mode=session.mode,
        register_code=register_code,
        rules=rules,
    )
    if too_short := list(length_reasons(session_minutes, register_code=register_code, rules=rules)):
        yield from too_short
    elif attendee.presence == "present" and attended < rules.min_session_minutes:
        yield Reason(
            rule="min_attendance_minutes",
            message=f"the attendee was there {attended} min; {register_code} needs at least "
            f"{rules.min_session_minutes}",
        )


def _group_reasons(
    session: ClosedSessionIn, *, register_code: str, rules: RuleSpec, peers_registered: int
) -> Iterator[Reason]:
    """The group's size, who was present at the meeting, and the peers registered."""
    yield from size_reasons(session.group_size, register_code=register_code, rules=rules)
    present = sum(1 for attendee in session.attendees if attendee.presence == "present")
    if rules.min_present is not None and present < rules.min_present:
        yield Reason(
            rule="min_present",
            message=f"{present} attendees were present; {register_code} needs at least "
            f"{rules.min_present} at the meeting",
        )
    needed_peers = rules.min_peers_with_registration
    if needed_peers is not None and peers_registered < needed_peers:
        yield Reason(
            rule="min_peers_with_registration",
            message=f"{peers_registered} present attendees were registered with {register_code}; "
            f"at least {needed_peers} are needed",
        )


def _registration_reasons(
    session: ClosedSessionIn, registration: RegistrationIn, *, register_code: str, rules: RuleSpec
) -> Iterator[Reason]:
    """The registration must have started by the session, and place it in a cycle."""
    if registration.registered_on is not None and registration.registered_on > session.date:
        yield Reason(
            rule="registered_on_after_session",
            message=f"the registration with {register_code} started after the session",
        )
    yield from registration_date_reasons(
        registration.registered_on, register_code=register_code, rules=rules
    )


# --- caps -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cap:
    rule: str
    year: int | None
    before_centi: int
    after_centi: int
    message: str


@dataclass(frozen=True, slots=True)
class Capped:
    raw_centi: int
    counted_centi: int
    caps: list[Cap]


def apply_caps(
    entries: Iterable[tuple[date, int]],
    *,
    cap_per_year_centi: int | None,
    cap_per_cycle_centi: int | None,
) -> Capped:
    """Sum one cycle's points (reversals are negative), capping each calendar year, then the cycle.

    Every cap that bites is explained.
    """
    per_year: dict[int, int] = {}
    for day, centi in entries:
        per_year[day.year] = per_year.get(day.year, 0) + centi
    caps: list[Cap] = []
    counted = sum(
        _within(per_year[year], cap_per_year_centi, year=year, caps=caps)
        for year in sorted(per_year)
    )
    counted = _within(counted, cap_per_cycle_centi, year=None, caps=caps)
    return Capped(raw_centi=sum(per_year.values()), counted_centi=counted, caps=caps)


def _within(total: int, cap: int | None, *, year: int | None, caps: list[Cap]) -> int:
    """``total`` held to ``cap`` (of a calendar year, or of the cycle when ``year`` is None);
    a cap that bites is noted in ``caps``."""
    if cap is None or total <= cap:
        return total
    rule, where = (
        ("cap_per_year", f"in {year}") if year is not None else ("cap_per_cycle", "per cycle")
    )
    caps.append(
        Cap(
            rule=rule,
            year=year,
            before_centi=total,
            after_centi=cap,
            message=f"at most {cap / 100:g} points count {where}",
        )
    )
    return cap


def missing(required: int | None, have: int) -> int | None:
    return None if required is None else max(required - have, 0)


def cycle_total(entries: list[LedgerEntry], *, rules: RuleSpec, rule_version: int) -> CycleTotal:
    """One cycle's count: minutes, points with caps applied and explained, and progress to the
    requirement. ``entries`` are the cycle's credits and reversals (at least one); ``rules``
    the version in force at the cycle's end."""
    capped = apply_caps(
        ((e.session_date, e.points_centi) for e in entries),
        cap_per_year_centi=rules.cap_per_year_centi,
        cap_per_cycle_centi=rules.cap_per_cycle_centi,
    )
    minutes = sum(e.minutes for e in entries)
    missing_minutes = missing(rules.required_minutes_per_cycle, minutes)
    missing_points = missing(rules.required_points_centi_per_cycle, capped.counted_centi)
    requirements = [m for m in (missing_minutes, missing_points) if m is not None]
    return CycleTotal(
        cycle_start=entries[0].cycle_start,
        cycle_end=entries[0].cycle_end,
        rule_version=rule_version,
        # A reversal takes its credit out of the count, as out of the minutes.
        entries=sum(1 if e.kind == "credit" else -1 for e in entries),
        minutes=minutes,
        points_centi_raw=capped.raw_centi,
        points_centi=capped.counted_centi,
        caps=[
            CycleCap(
                rule=c.rule,  # type: ignore[arg-type]
                year=c.year,
                before_centi=c.before_centi,
                after_centi=c.after_centi,
                message=c.message,
            )
            for c in capped.caps
        ],
        required_minutes=rules.required_minutes_per_cycle,
        required_points_centi=rules.required_points_centi_per_cycle,
        minutes_missing=missing_minutes,
        points_centi_missing=missing_points,
        complete=all(m == 0 for m in requirements) if requirements else None,
    )


# --- the snapshot as a whole ----------------------------------------------------------------

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MAX_SESSION_MINUTES = 24 * 60
EARLIEST = date(1970, 1, 1)


def _instants(session: ClosedSessionIn) -> Iterator[tuple[str, datetime]]:
    yield "started_at", session.started_at
    yield "ended_at", session.ended_at
    for i, attendee in enumerate(session.attendees):
        if attendee.arrived_at is not None:
            yield f"attendees[{i}].arrived_at", attendee.arrived_at
        if attendee.departed_at is not None:
            yield f"attendees[{i}].departed_at", attendee.departed_at


def snapshot_errors(session: ClosedSessionIn, *, today: date) -> list[FieldError]:
    """What makes a schema-valid snapshot impossible: each broken rule, naming its field.

    ``today`` is the date in Amsterdam now: a closed session does not lie in the future.
    """
    errors: list[FieldError] = []

    def error(field_: str, rule: str, message: str) -> None:
        errors.append(FieldError(field=f"body.{field_}", rule=rule, message=message))

    for name, instant in _instants(session):
        if not EARLIEST.year <= instant.year <= today.year + 1:
            error(name, "range", f"a moment between {EARLIEST.year} and now")
    if errors:
        return errors
    if session.date > today:
        error("date", "not_in_future", "a closed session does not lie in the future")
    if session.ended_at <= session.started_at:
        error("ended_at", "after_start", "the session must end after it starts")
    elif whole_minutes(session.started_at, session.ended_at) > MAX_SESSION_MINUTES:
        error("ended_at", "max_duration", "a session lasts at most 24 hours")
    if session.started_at.astimezone(AMSTERDAM).date() != session.date:
        error("date", "matches_start", "`date` must be the start's date in Europe/Amsterdam")
    seen: set[object] = set()
    for i, attendee in enumerate(session.attendees):
        if attendee.person_id in seen:
            error(f"attendees[{i}].person_id", "unique", "each person attends once")
        seen.add(attendee.person_id)
        if (
            attendee.arrived_at is not None
            and attendee.departed_at is not None
            and attendee.departed_at < attendee.arrived_at
        ):
            error(f"attendees[{i}].departed_at", "after_arrival", "departure precedes arrival")
        if session.mode == "online" and attendee.joined == "in_person":
            error(f"attendees[{i}].joined", "matches_mode", "an online session is joined online")
        for j, registration in enumerate(attendee.registrations):
            if looks_like_bsn(registration.number, registration.register):
                errors.append(bsn_refused(f"body.attendees[{i}].registrations[{j}].number"))
        codes = [normalise_code(r.register) for r in attendee.registrations]
        if len(codes) != len(set(codes)):
            error(f"attendees[{i}].registrations", "unique", "one registration per register")
    present = sum(1 for a in session.attendees if a.presence == "present")
    if present > session.group_size:
        error("group_size", "covers_attendees", f"{present} attendees were present")
    return errors


def refuse_bsn(number: str | None, register: str, *, field: str) -> None:
    """A registration number is never a BSN (nine digits passing the elfproef, in a register
    whose numbers have another shape): 422 ``bsn``."""
    if number is not None and looks_like_bsn(number, register):
        raise RuleViolation("A registration number is never a BSN.", errors=[bsn_refused(field)])
