"""The relay's Prometheus metrics, served on ``/metrics`` with the app's own (the default
registry, which Litestar's Prometheus controller exposes).

- ``kring_webhook_deliveries_total{outcome}``: attempts by what they came to: ``delivered``,
  ``retried`` (failed, tried again later), ``failed`` (the last attempt, or 410 Gone),
  ``stale`` (the lease ran out before the outcome was recorded: another replica has it),
  ``skipped`` (an event the subscriber may not read, never sent).
- ``kring_webhook_delivery_lag_seconds``: from the event's time (its ``timestamp``) to its
  delivery.
- ``kring_webhook_backlog{subscriber}``: pending deliveries per subscriber, refreshed every
  :data:`BACKLOG_SECONDS` by each replica (they agree; take ``max`` across them).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

BACKLOG_SECONDS = 15.0

DELIVERIES = Counter(
    "kring_webhook_deliveries",
    "Delivery attempts by outcome.",
    ["outcome"],
)
LAG = Histogram(
    "kring_webhook_delivery_lag_seconds",
    "Seconds from an event's time to its delivery.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400),
)
BACKLOG = Gauge(
    "kring_webhook_backlog",
    "Pending deliveries per subscriber.",
    ["subscriber"],
)


def backlog(counts: list[tuple[str, int]]) -> None:
    """Set the backlog gauge to ``counts``, dropping subscribers no longer there."""
    BACKLOG.clear()
    for subscriber, pending in counts:
        BACKLOG.labels(subscriber=subscriber).set(pending)
