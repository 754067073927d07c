"""The pure rules of feed URLs: the URL, and when If-Modified-Since is a 304."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from services.scheduling.calendar_feeds import rules

MOMENT = datetime(2026, 3, 3, 19, 0, 0, tzinfo=UTC)


def test_the_url_and_its_webcal_twin() -> None:
    for base in ("https://api.kring.example/scheduling", "https://api.kring.example/scheduling/"):
        url = rules.feed_url(base, "kcap_x")
        assert url == "https://api.kring.example/scheduling/v1/calendar-feeds/kcap_x/calendar.ics"
    assert rules.webcal_url("https://h/p") == "webcal://h/p"


def test_http_dates_are_what_clients_send_back() -> None:
    sent = rules.http_date(MOMENT.replace(microsecond=250_000))
    assert sent == format_datetime(MOMENT, usegmt=True) == "Tue, 03 Mar 2026 19:00:00 GMT"
    check = rules.unchanged_since
    assert check(if_none_match=None, if_modified_since=sent, modified=MOMENT)
    assert not check(if_none_match='"a"', if_modified_since=sent, modified=MOMENT)
    earlier = "Tue, 03 Mar 2026 18:59:59 GMT"
    assert not check(if_none_match=None, if_modified_since=earlier, modified=MOMENT)
    assert not check(if_none_match=None, if_modified_since="yesterday", modified=MOMENT)
    assert not check(if_none_match=None, if_modified_since=sent, modified=None)


def test_no_last_modified_later_than_the_answer() -> None:
    assert rules.last_modified(MOMENT, now=MOMENT) == MOMENT
    assert rules.last_modified(MOMENT, now=MOMENT.replace(hour=18)) is None
    assert rules.last_modified(None, now=MOMENT) is None
