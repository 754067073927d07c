"""Who receives whose events, who reads what of them, and who calls whose API: written once,
read by ``kring run``, by ``deploy/`` and by each service's event feed.

A producer's outbox relay delivers to the subscribers in its ``KRING_WEBHOOK_SUBSCRIBERS``.
On one machine (``kring run``, the flow tests, the bench) ``services.cli.platform_env``
builds that list from :data:`SUBSCRIPTIONS` with local URLs; for a cluster,
``kring subscribers PRODUCER`` prints the same list with the Services' URLs, for the
Secret ``kring-webhooks`` (deploy/README.md). Every consumer receives on
:data:`EVENT_ROUTE`, signed with the secret its producer holds for it.

A caller reaches a callee's API at the URL in one of its settings (:data:`CALLS`):
``platform_env`` sets it to the callee's local URL, the caller's Deployment to the callee's
Service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Protocol

import msgspec

from services.kit.events import Narrow, narrowed
from services.kit.outbox import Event
from services.kit.relay import Subscriber

EVENT_ROUTE = "/internal/events"


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """``consumer`` receives ``producer``'s events of ``types``."""

    producer: str
    consumer: str
    types: tuple[str, ...]


SUBSCRIPTIONS = (
    Subscription(
        producer="scheduling",
        consumer="accreditation",
        types=(
            "session.closed",
            "session.cancelled",
            "person.updated",
            "attendance.amended",
            "attendance.confirmed",
        ),
    ),
    Subscription(
        producer="scheduling",
        consumer="invoicing",
        types=("session.closed", "session.cancelled"),
    ),
)


def consumers(producer: str) -> list[str]:
    return [s.consumer for s in SUBSCRIPTIONS if s.producer == producer]


def consumed(producer: str) -> frozenset[str]:
    """The types of ``producer``'s events another service consumes: what a service token
    reads of its feed."""
    return frozenset(t for s in SUBSCRIPTIONS if s.producer == producer for t in s.types)


class Reader(Protocol):
    """A service's principal, as far as reading events goes (ADR 0063)."""

    client_org: uuid.UUID | None

    def has(self, *roles: str) -> bool: ...


def event_scope(
    producer: str, for_employer: Mapping[str, Narrow]
) -> Callable[[Reader, Event], Event | None]:
    """What a reader sees of ``producer``'s events: an admin every event of the tenant; a
    service the types another service consumes (:func:`consumed`); an HR client each event
    about its client organisation's people as ``for_employer`` narrows its type (a type
    missing there: nothing); anyone else nothing. A plain function: the feed calls it for a
    token, the relay for an HR client's subscription."""
    types = consumed(producer)

    def scope(reader: Reader, event: Event) -> Event | None:
        if reader.has("admin"):
            return event
        if reader.has("service"):
            return event if event.type in types else None
        if reader.has("hr"):
            return narrowed(for_employer, event, reader.client_org)
        return None

    return scope


def subscribers(
    producer: str, *, base_urls: Mapping[str, str], secrets: Mapping[str, str]
) -> list[Subscriber]:
    """``producer``'s subscribers, each consumer reached at ``base_urls[consumer]``."""
    return [
        Subscriber(
            name=s.consumer,
            url=base_urls[s.consumer] + EVENT_ROUTE,
            secret=secrets[s.consumer],
            types=list(s.types),
        )
        for s in SUBSCRIPTIONS
        if s.producer == producer
    ]


def subscribers_json(
    producer: str, *, base_urls: Mapping[str, str], secrets: Mapping[str, str]
) -> str:
    """:func:`subscribers` as the value of ``KRING_WEBHOOK_SUBSCRIBERS``."""
    found = subscribers(producer, base_urls=base_urls, secrets=secrets)
    return msgspec.json.encode(found).decode()


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """``caller`` asks ``callee``'s API, at the URL in its variable ``variable``."""

    caller: str
    callee: str
    variable: str
    purpose: str


CALLS = (
    Call(
        caller="scheduling",
        callee="accreditation",
        variable="KRING_ACCREDITATION_URL",
        purpose="the preflight of a member joining a group or a session planned; its part of a"
        " person's export and erasure",
    ),
    Call(
        caller="scheduling",
        callee="invoicing",
        variable="KRING_INVOICING_URL",
        purpose="its part of a person's export and erasure (GET /v1/subjects/{id}/export,"
        " POST /v1/subjects/{id}/erasure)",
    ),
    Call(
        caller="invoicing",
        callee="scheduling",
        variable="KRING_SCHEDULING_URL",
        purpose="whether the session a cost sheet sent to POST /v1/cost-sheets names exists",
    ),
)


def call_env(caller: str, *, base_urls: Mapping[str, str]) -> dict[str, str]:
    """``caller``'s variables naming the APIs it calls, each callee at ``base_urls[callee]``."""
    return {c.variable: base_urls[c.callee] for c in CALLS if c.caller == caller}
