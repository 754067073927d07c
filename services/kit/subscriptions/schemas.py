"""The wire format of webhook subscriptions and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from ..safeurl import MAX_URL_LENGTH
from ..schemas import PRINTABLE, Inbound, Outbound
from .rules import MAX_EVENT_TYPES, MAX_SECRET_BYTES, MIN_SECRET_BYTES

WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description=f"Where the events are sent: an `https` URL of at most {MAX_URL_LENGTH}"
        " characters, without user name or password, whose host resolves to public addresses"
        " only (checked now and before every delivery).",
    ),
]
EventType = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=100,
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
        description="An event type of this service's contract (`webhooks`).",
    ),
]
EventTypes = Annotated[
    list[EventType],
    msgspec.Meta(
        min_length=1,
        max_length=MAX_EVENT_TYPES,
        description="The event types sent to this subscription, each once.",
    ),
]
Description = Annotated[
    str, msgspec.Meta(max_length=280, pattern=PRINTABLE, description="What it is for.")
]
ClientSecret = Annotated[
    str,
    msgspec.Meta(
        min_length=38,
        max_length=94,
        pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$",
        description=f"A signing secret of your own: `whsec_` and the base64 of {MIN_SECRET_BYTES}"
        f" to {MAX_SECRET_BYTES} random bytes. Left out, Kring generates one.",
    ),
]
Status = Literal["active", "paused", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed", "skipped"]


class SubscriptionIn(Inbound, frozen=True):
    examples = (
        {
            "url": "https://hr.example.nl/kring/events",
            "event_types": ["subscription.disabled"],
            "description": "Het HR-systeem van Gemeente Utrecht.",
            "secret": "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        },
    )

    url: WebhookUrl
    event_types: EventTypes
    description: Description | None = None
    secret: ClientSecret | None = None


class SubscriptionChange(Inbound, frozen=True):
    """A subscription's new URL, event types and description (its secret is rotated apart)."""

    examples = (
        {
            "url": "https://hr.example.nl/kring/events",
            "event_types": ["subscription.disabled"],
            "description": "Het HR-systeem van Gemeente Utrecht.",
        },
    )

    url: WebhookUrl
    event_types: EventTypes
    description: Description | None = None


class ResumeIn(Inbound, frozen=True):
    examples = ({"backlog": True},)

    backlog: bool = False
    """Also send again what it missed: its failed deliveries, and the events of its types that
    occurred while it was paused or disabled."""


class RotateIn(Inbound, frozen=True):
    examples = ({"secret": "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},)

    secret: ClientSecret | None = None


Instant = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339, with its offset.")]


class ReplayIn(Inbound, frozen=True):
    examples = ({"since": "2026-03-01T00:00:00+01:00", "until": "2026-03-31T00:00:00+02:00"},)

    since: Instant
    """The first instant whose events are sent again (inclusive)."""
    until: Instant
    """The instant after the last (exclusive); at most 31 days after `since`."""


class SubscriptionReader(Outbound, frozen=True):
    """Whom the subscription reads as: the caller who created it, whose view of each event
    (as in `GET /v1/events`) is what it receives."""

    subject: str
    roles: list[str]
    claims: dict[str, Any]


class Subscription(Outbound, frozen=True):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    status: Status
    """`paused` by its owner, `disabled` by Kring (`disabled_reason` says why)."""
    disabled_reason: str | None
    status_changed_at: datetime | None
    reader: SubscriptionReader
    previous_secret_until: datetime | None
    """While a rotated secret still signs beside the new one: until when."""
    created_at: datetime
    updated_at: datetime


class CreatedSubscription(Subscription, frozen=True):
    secret: str
    """The signing secret, shown only in this answer: keep it to verify deliveries."""


class RotatedSecret(Outbound, frozen=True):
    secret: str
    """The new signing secret, shown only in this answer."""
    previous_secret_until: datetime
    """Until when the previous secret signs too (every delivery carries both signatures)."""


class SubscriptionPage(Outbound, frozen=True):
    items: list[Subscription]
    next_cursor: str | None


class DeliveryAttempt(Outbound, frozen=True):
    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    """The first bytes of the receiver's answer."""


class SubscriptionDelivery(Outbound, frozen=True):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    aggregate_id: uuid.UUID
    occurred_at: datetime
    status: DeliveryStatus
    """`skipped`: an event about nothing the subscription may read, never sent."""
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    attempt_log: list[DeliveryAttempt]
    """The latest attempts, most recent first (at most 10)."""


class SubscriptionDeliveryPage(Outbound, frozen=True):
    items: list[SubscriptionDelivery]
    next_cursor: str | None


class Replayed(Outbound, frozen=True):
    queued: int
    """Deliveries queued to be sent again, in order per aggregate: every event of the
    subscription's types in the window. One its reader may not see (an HR client's, about
    another employer's people) is not sent: its delivery turns `skipped` in the log."""
