"""iCalendar (RFC 5545) feeds of sessions.

Each session is one VEVENT: its UID is stable (the session id), SEQUENCE counts its
reschedules and its cancellation, STATUS is CANCELLED once cancelled. Times are
Amsterdam wall times with ``TZID=Europe/Amsterdam`` and the matching VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from . import rules
from .schemas import Session

PRODID = "-//Kring//scheduling//EN"
MEDIA_TYPE = "text/calendar"
UID_DOMAIN = "scheduling.kring"

_STATUS = {"planned": "CONFIRMED", "closed": "CONFIRMED", "cancelled": "CANCELLED"}
_MODE = {"in_person": "in person", "online": "online", "hybrid": "hybrid"}


def _change(
    kind: type[TimezoneDaylight | TimezoneStandard],
    name: str,
    first: datetime,
    *,
    offsets: tuple[int, int],
    month: int,
) -> TimezoneDaylight | TimezoneStandard:
    """A yearly change of the clocks on the last Sunday of ``month``."""
    change = kind()
    change.add("tzname", name)
    change.add("dtstart", first)
    change.add("tzoffsetfrom", timedelta(hours=offsets[0]))
    change.add("tzoffsetto", timedelta(hours=offsets[1]))
    change.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
    return change


def amsterdam() -> Timezone:
    """Europe/Amsterdam as the EU rule since 1996 (what calendar clients themselves emit)."""
    timezone = Timezone()
    timezone.add("tzid", rules.TIMEZONE)
    timezone.add_component(
        _change(TimezoneDaylight, "CEST", datetime(1981, 3, 29, 2, 0), offsets=(1, 2), month=3)
    )
    timezone.add_component(
        _change(TimezoneStandard, "CET", datetime(1996, 10, 27, 3, 0), offsets=(2, 1), month=10)
    )
    return timezone


def uid(session: Session) -> str:
    return f"{session.id}@{UID_DOMAIN}"


def event(session: Session, group_name: str) -> Event:
    vevent = Event()
    vevent.add("uid", uid(session))
    vevent.add("dtstamp", session.updated_at)
    vevent.add("created", session.created_at)
    vevent.add("last-modified", session.updated_at)
    vevent.add("sequence", session.sequence)
    vevent.add("status", _STATUS[session.status])
    vevent.add("summary", f"Intervisie: {group_name}")
    vevent.add("dtstart", rules.local(session.starts_at))
    vevent.add("dtend", rules.local(session.ends_at))
    if session.location:
        vevent.add("location", session.location)
    if session.video_link:
        vevent.add("url", session.video_link)
    lines = [f"Mode: {_MODE[session.mode]}"]
    if session.video_link:
        lines.append(f"Video: {session.video_link}")
    if session.description:
        lines.append(session.description)
    if session.cancel_reason:
        lines.append(f"Cancelled: {session.cancel_reason}")
    vevent.add("description", "\n".join(lines))
    return vevent


def feed(name: str, sessions: Iterable[tuple[Session, str]]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", rules.TIMEZONE)
    calendar.add_component(amsterdam())
    for session, group_name in sessions:
        calendar.add_component(event(session, group_name))
    return bytes(calendar.to_ical())
