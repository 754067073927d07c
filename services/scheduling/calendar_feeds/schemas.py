"""Calendar feeds and their secret URLs as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from services.kit.schemas import Outbound

OwnerKind = Literal["person", "group"]


class FeedUrl(Outbound, frozen=True):
    """A feed URL as it is kept: its token only as a hash, so the URL itself is shown once, in
    the answer that issues it."""

    id: uuid.UUID
    created_at: datetime
    created_by: str
    """The subject of the token that issued it."""
    content_changed_at: datetime | None
    """When what the feed shows last changed, as its polls saw it (its `Last-Modified`); null
    until it is first polled."""


class CalendarFeed(Outbound, frozen=True):
    """A person's or a group's calendar feed, and the secret URL that opens it, if any."""

    owner_kind: OwnerKind
    owner_id: uuid.UUID
    live: FeedUrl | None
    """The URL that opens the feed now (the URL itself was shown when it was issued); null:
    none does."""


class IssuedFeedUrl(FeedUrl, frozen=True):
    """A new feed URL, shown this once: whoever holds it reads the calendar, without a token,
    until another is issued or it is revoked."""

    url: str
    """`https://…/v1/calendar-feeds/{token}/calendar.ics`: subscribe to it in a calendar app."""
    webcal_url: str
    """The same URL with the `webcal:` scheme, which opens the subscription in a calendar app."""
