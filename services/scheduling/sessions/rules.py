"""The rules of sessions: local time, series, venues, durations, overlaps, status, the costs
entered at closing.

Pure functions: no I/O, no framework. Times a client sends are Europe/Amsterdam wall
times (or carry an offset, and are then read as that instant); a series is expanded in
wall time, so a 19:00 session stays at 19:00 across a daylight-saving change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from services.kit.errors import Conflict, FieldError, RuleViolation

from .schemas import SessionCostsIn, Warning

TIMEZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class Policy:
    """Thresholds, with the seeds' values as defaults (DOMAIN.md: configuration, not constants)."""

    max_occurrences: int = 52
    max_duration: timedelta = timedelta(hours=12)
    online_max_duration: timedelta = timedelta(hours=2)


POLICY = Policy()


@dataclass(frozen=True)
class Occurrence:
    number: int
    starts_at: datetime
    ends_at: datetime
    session_id: uuid.UUID | None = None
    """The session it is, once planned: a session does not clash with itself."""


def refusal(field: str | None, rule: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"{field}: {message}" if field else message,
        errors=[FieldError(field=field, rule=rule, message=message)],
    )


def wall_time(value: str, *, field: str) -> datetime:
    """A client's date-time as Amsterdam wall time (naive); an offset converts the instant."""
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(AMSTERDAM).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise refusal(field, "date_time", "not a valid date and time") from exc
    if not _EARLIEST.year <= parsed.year <= _LATEST.year:
        raise refusal(field, "date_range", f"the year must lie in {_EARLIEST.year}..{_LATEST.year}")
    return parsed


def localise(wall: datetime, *, field: str) -> datetime:
    """Attach Europe/Amsterdam to a wall time; a time skipped by the spring change is refused.

    An ambiguous time (the autumn hour that happens twice) is its first occurrence.
    """
    aware = wall.replace(tzinfo=AMSTERDAM, fold=0)
    try:
        round_trip = aware.astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None)
    except OverflowError as exc:
        raise refusal(field, "date_range", "the date lies outside the calendar") from exc
    if round_trip != wall:
        raise refusal(
            field,
            "nonexistent_local_time",
            f"{wall.isoformat()} does not exist in {TIMEZONE} (clocks skip it)",
        )
    return aware


def local(value: datetime) -> datetime:
    """An instant shown in Amsterdam time (with its UTC offset)."""
    return value.astimezone(AMSTERDAM)


def local_text(value: datetime) -> str:
    """An instant as Amsterdam wall time without offset, e.g. ``2026-03-26T19:00:00``."""
    return wall_text(value.astimezone(AMSTERDAM))


SHOWN_REMEMBERED = 8192
_shown: dict[float, tuple[datetime, datetime, str]] = {}


def shown(value: datetime) -> tuple[datetime, str]:
    """An instant as a session shows it: in Amsterdam time (:func:`local`), and as its wall time
    (:func:`wall_text`). Remembered for up to :data:`SHOWN_REMEMBERED` instants, since the same
    sessions are read again and again (a facilitator's upcoming ones, a calendar polled): the
    two cost about 1.6 µs an instant, and a page of sessions shows a hundred.

    The memo is keyed by the instant's POSIX time, 0.09 µs (hashing an aware datetime takes
    0.4 µs, as much as the rest of a remembered answer), and an entry answers only the instant
    it was made for (two a microsecond apart in a far year may share a key): the answer depends
    on the instant alone. A full memo is emptied and fills again."""
    key = value.timestamp()
    remembered = _shown.get(key)
    if remembered is not None and remembered[0] == value:
        return remembered[1], remembered[2]
    in_amsterdam = local(value)
    text = wall_text(in_amsterdam)
    if len(_shown) >= SHOWN_REMEMBERED:
        _shown.clear()
    _shown[key] = (value, in_amsterdam, text)
    return in_amsterdam, text


def wall_text(local: datetime) -> str:
    """An instant already in Amsterdam time (:func:`local`) as its wall time without offset:
    ``isoformat``'s text up to the offset, every offset Amsterdam has had being east of UTC
    (+00:19:32 to +02:00). A third cheaper than taking the zone off first, and a page of
    sessions writes a hundred."""
    text = local.isoformat()
    return text[: text.rindex("+")]


_EARLIEST, _LATEST = date(1900, 1, 1), date(2999, 12, 31)


def period(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Amsterdam calendar days ``first`` to ``last`` (both included) as half-open instants."""
    first = max(first, _EARLIEST) if first else None
    last = min(last, _LATEST) if last else None
    start = datetime.combine(first, time()).replace(tzinfo=AMSTERDAM) if first else None
    end = (
        datetime.combine(last + timedelta(days=1), time()).replace(tzinfo=AMSTERDAM)
        if last
        else None
    )
    return start, end


_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"})
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z")
_NUMBERED_DAY = re.compile(r"^[+-]?\d")


def _rule_parts(rule: str) -> dict[str, str]:
    text = rule.removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        if not sep or not value or name in parts:
            raise refusal("body.rrule", "rrule", f"{item!r} is not a NAME=VALUE part")
        parts[name] = value
    unknown = sorted(set(parts) - _PARTS)
    if unknown:
        raise refusal(
            "body.rrule",
            "rrule_part",
            f"{', '.join(unknown)} not supported; use {', '.join(sorted(_PARTS))}",
        )
    if parts.get("FREQ") not in _FREQUENCIES:
        raise refusal(
            "body.rrule",
            "rrule_frequency",
            f"FREQ must be one of {', '.join(sorted(_FREQUENCIES))}",
        )
    return parts


def _check_satisfiable(parts: Mapping[str, str]) -> None:
    """Refuse a rule that can never occur before dateutil would search until the year 9999."""
    try:
        months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
        days = [int(d) for d in parts["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in parts else []
    except ValueError as exc:
        raise refusal("body.rrule", "rrule", "BYMONTH and BYMONTHDAY take numbers") from exc
    if any(not 1 <= m <= 12 for m in months) or any(not 1 <= abs(d) <= 31 for d in days):
        raise refusal("body.rrule", "rrule", "BYMONTH is 1..12 and BYMONTHDAY ±1..31")
    longest = max((_MONTH_DAYS[m - 1] for m in months), default=31)
    if days and all(abs(d) > longest for d in days):
        raise refusal("body.rrule", "rrule_never_occurs", "no month of the rule has that day")
    byday = parts.get("BYDAY", "")
    if parts["FREQ"] in {"DAILY", "WEEKLY"} and any(
        _NUMBERED_DAY.match(day) for day in byday.split(",") if day
    ):
        raise refusal(
            "body.rrule", "rrule", "numbered BYDAY (e.g. 2TH) needs FREQ=MONTHLY or YEARLY"
        )


def _until_as_wall_time(rule: str) -> str:
    """RFC 5545 writes UNTIL in UTC when DTSTART has a TZID; the expansion runs in wall time."""

    def convert(match: re.Match[str]) -> str:
        instant = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return "UNTIL=" + instant.astimezone(AMSTERDAM).strftime("%Y%m%dT%H%M%S")

    return _UNTIL_UTC.sub(convert, rule)


def expand(
    start: datetime,
    end: datetime,
    rule: str | None = None,
    *,
    policy: Policy = POLICY,
) -> list[Occurrence]:
    """One session, or a series: ``start`` and ``end`` are wall times of the first occurrence.

    Every occurrence keeps the wall-clock start and the wall-clock length of the first.
    """
    if end <= start:
        raise refusal("body.end", "end_after_start", "the end must come after the start")
    length = end - start
    if length > policy.max_duration:
        raise refusal(
            "body.end",
            "max_duration",
            f"a session lasts at most {policy.max_duration.total_seconds() / 3600:g} hours",
        )
    if rule is None:
        starts = [start]
    else:
        parts = _rule_parts(rule)
        _check_satisfiable(parts)
        try:
            recurrence = rrulestr(_until_as_wall_time(rule.removeprefix("RRULE:")), dtstart=start)
            starts = list(islice(iter(recurrence), policy.max_occurrences + 1))
        except (ValueError, TypeError, OverflowError) as exc:
            raise refusal("body.rrule", "rrule", f"not a valid RFC 5545 RRULE: {exc}") from exc
        if len(starts) > policy.max_occurrences:
            raise refusal(
                "body.rrule",
                "max_occurrences",
                f"a series has at most {policy.max_occurrences} sessions; add COUNT or UNTIL",
            )
        if not starts:
            raise refusal("body.rrule", "rrule_never_occurs", "the rule yields no session")
    return [
        Occurrence(
            number=n,
            starts_at=localise(wall, field="body.start" if n == 1 else "body.rrule"),
            ends_at=localise(wall + length, field="body.end" if n == 1 else "body.rrule"),
        )
        for n, wall in enumerate(starts, start=1)
    ]


def check_venue(mode: str, *, location: str | None, video_link: str | None) -> None:
    """In person needs a location, online a video link, hybrid both."""
    errors = []
    if mode in {"in_person", "hybrid"} and not location:
        errors.append(
            FieldError(
                field="body.location", rule="location_required", message=f"{mode} needs a location"
            )
        )
    if mode in {"online", "hybrid"} and not video_link:
        errors.append(
            FieldError(
                field="body.video_link",
                rule="video_link_required",
                message=f"{mode} needs a video link",
            )
        )
    if errors:
        raise RuleViolation("; ".join(e.message for e in errors), errors=errors)


def duration_warnings(
    mode: str, starts_at: datetime, ends_at: datetime, *, policy: Policy = POLICY
) -> list[Warning]:
    elapsed = ends_at.astimezone(UTC) - starts_at.astimezone(UTC)
    if mode == "online" and elapsed > policy.online_max_duration:
        hours = policy.online_max_duration.total_seconds() / 3600
        return [
            Warning(
                rule="online_max_duration",
                field="body.end",
                message=f"an online session should last at most {hours:g} hours, with a break",
            )
        ]
    return []


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: one session may start when another ends."""
    return a_start < b_end and b_start < a_end


def first_self_overlap(occurrences: Sequence[Occurrence]) -> tuple[int, int] | None:
    """The numbers of two occurrences of one series that overlap each other, if any."""
    ordered = sorted(occurrences, key=lambda o: o.starts_at)
    for earlier, later in pairwise(ordered):
        if overlaps(earlier.starts_at, earlier.ends_at, later.starts_at, later.ends_at):
            return earlier.number, later.number
    return None


def check_series_overlap(occurrences: Sequence[Occurrence]) -> None:
    pair = first_self_overlap(occurrences)
    if pair is not None:
        raise refusal(
            "body.rrule",
            "series_overlap",
            f"sessions {pair[0]} and {pair[1]} of the series overlap each other",
        )


_STATUS_RULES = {
    "closed": ("session_closed", "the session is closed; correct attendance with an amendment"),
    "cancelled": ("session_cancelled", "the session is cancelled"),
    "planned": ("session_not_closed", "the session is not closed yet"),
}


def check_status(session_id: uuid.UUID, status: str, *, wanted: str) -> None:
    """A planned session is moved, cancelled, recorded and closed; a closed one signed and
    amended; a cancelled one nothing."""
    if status != wanted:
        rule, message = _STATUS_RULES[status]
        raise Conflict(
            f"Session {session_id}: {message}.",
            errors=[FieldError(field="path.session_id", rule=rule, message=message)],
        )


def check_movable(*, has_attendance: bool) -> None:
    """Recorded attendance describes the session's time: it does not move any more."""
    if has_attendance:
        message = "attendance is recorded for this session; it cannot move"
        raise Conflict(
            message,
            errors=[
                FieldError(field="path.session_id", rule="attendance_recorded", message=message)
            ],
        )


@dataclass(frozen=True)
class Clash:
    """Someone a session would book is in another session at the time: whom, which session
    and when, and whether the caller may be told which session it is (``disclosed``: an
    admin, or that session's facilitator; ADR 0080)."""

    person_id: uuid.UUID
    session_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    disclosed: bool

    def when(self) -> str:
        """The other session's time, in Amsterdam wall time."""
        start, end = local_text(self.starts_at), local_text(self.ends_at)
        until = end[11:16] if start[:10] == end[:10] else f"{end[:10]} {end[11:16]}"
        return f"{start[:10]} {start[11:16]} to {until} ({TIMEZONE})"

    def extra(self) -> dict[str, str]:
        """What a 409 names of it: the person and the times, the session's id if disclosed."""
        named = {"session_id": str(self.session_id)} if self.disclosed else {}
        return {
            **named,
            "person_id": str(self.person_id),
            "starts_at": self.starts_at.astimezone(AMSTERDAM).isoformat(),
            "ends_at": self.ends_at.astimezone(AMSTERDAM).isoformat(),
        }

    def other(self) -> str:
        """The other session as the caller may be told of it."""
        return f"session {self.session_id}" if self.disclosed else "another session"


def double_booked(occurrence: int, clash: Clash, *, series: bool = False) -> Conflict:
    """A person would sit in two sessions at once: when the other one is, and which
    (``extra.session_id``) only to a caller who may read it."""
    where = f"session {occurrence} of the series" if series else "the session"
    message = f"person {clash.person_id} is already booked in {clash.other()}, {clash.when()}"
    return Conflict(
        f"{where.capitalize()} overlaps {clash.other()} ({clash.when()}), which shares person"
        f" {clash.person_id}.",
        errors=[FieldError(field="body.start", rule="double_booking", message=message)],
        extra={**clash.extra(), "occurrence": occurrence},
    )


def check_closable(*, now: datetime, starts_at: datetime, unrecorded: Sequence[uuid.UUID]) -> None:
    """A session closes once it has begun and every member's attendance is recorded."""
    if now < starts_at:
        message = "a session closes only after it has begun"
        raise RuleViolation(
            message,
            errors=[
                FieldError(field="path.session_id", rule="session_not_started", message=message)
            ],
        )
    if unrecorded:
        message = "attendance is not recorded for every member"
        raise RuleViolation(
            f"{message}: {', '.join(map(str, unrecorded))}",
            errors=[
                FieldError(field="path.session_id", rule="attendance_incomplete", message=message)
            ],
            extra={"person_ids": [str(p) for p in unrecorded]},
        )


def check_costs(costs: SessionCostsIn | None) -> None:
    """Other costs are billed with what they were: an amount above 0 needs its description."""
    if costs is not None and (costs.other_cents or 0) > 0 and costs.other_description is None:
        raise refusal(
            "body.costs.other_description",
            "required",
            "other costs above 0 need a description of what they were",
        )


def check_cancellable(session_id: uuid.UUID, status: str) -> None:
    """A planned session is cancelled; so is a closed one held in error (its hours and
    invoices are then reversed downstream). A cancelled one stays cancelled."""
    if status == "cancelled":
        check_status(session_id, status, wanted="planned")
