"""The rules of calendar feed URLs: what the URL is, and when a poll is answered 304.

A feed's ``Last-Modified`` is the moment its answer was first seen to change (kept with the
ETag of that answer, ``content_changed_at``), in whole seconds and strictly later at each
change, so a client's ``If-Modified-Since`` (an HTTP date, whole seconds) never takes an
answer that changed in the same second for the one it holds. A moment still in the future
(two changes within a second) is not sent: that answer has only its ETag. ``If-None-Match``
wins over ``If-Modified-Since`` (RFC 9110, section 13.2.2); an unreadable date is ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

PATH = "/v1/calendar-feeds/{token}/calendar.ics"
CACHE_CONTROL = "private, no-cache"
"""A feed may be kept by the calendar app that polls it (and asked again with its validators),
never by a shared cache: its URL is a secret."""


def feed_url(base: str, token: str) -> str:
    """The feed URL of ``token`` under ``base`` (``https://host/prefix``, with or without a
    final slash)."""
    return base.rstrip("/") + PATH.format(token=token)


def webcal_url(url: str) -> str:
    """``url`` with the ``webcal:`` scheme, which calendar apps open as a subscription."""
    _, sep, rest = url.partition("://")
    return f"webcal://{rest}" if sep else url


def last_modified(changed_at: datetime | None, *, now: datetime) -> datetime | None:
    """The ``Last-Modified`` an answer may carry: none before the first poll, nor one later
    than the answer itself."""
    if changed_at is None or changed_at > now:
        return None
    return changed_at


def http_date(moment: datetime) -> str:
    """``moment`` as an HTTP date (RFC 9110, section 5.6.7): ``Tue, 03 Mar 2026 19:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _parsed(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def unchanged_since(
    *, if_none_match: str | None, if_modified_since: str | None, modified: datetime | None
) -> bool:
    """Whether ``If-Modified-Since`` asks for a 304: sent without ``If-None-Match``, a date
    that reads, and an answer last modified at or before it."""
    if if_none_match is not None or if_modified_since is None or modified is None:
        return False
    since = _parsed(if_modified_since)
    return since is not None and modified <= since
