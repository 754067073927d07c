"""When a failed delivery is tried again: schedules of seconds after each failed attempt,
each delay drawn within :data:`JITTER` of its value, so that the retries of many deliveries that
failed together (a receiver's outage) do not come back together.

- A tenant's subscription (``KRING_WEBHOOK_RETRY_SCHEDULE``) follows Svix and Stripe: 5 s,
  5 min, 30 min, 2 h, 5 h, then 10 h six times and 5 h, so the thirteenth and last attempt
  comes about 72.6 hours (three days) after the first. After it the delivery is ``failed``
  and the subscription disabled (``kit.relay``).
- An operator's subscriber, another Kring service (``KRING_WEBHOOK_OPERATOR_RETRY_SCHEDULE``):
  1 s doubling to 5 min, then every 5 min without end. It is ours to run, so a restart or an
  outage of it must cost seconds, not the minutes of the tenants' schedule; and what it refuses
  waits for it to be fixed, in order, rather than failing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

DEFAULT_SCHEDULE: tuple[float, ...] = (
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    *(10 * 3600,) * 6,
    5 * 3600,
)
"""Seconds before attempt 2, 3, ...: 13 attempts over 72.6 hours."""

OPERATOR_SCHEDULE: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 300)
"""Seconds before attempt 2, 3, ...; the last repeats for as long as the attempts fail."""

JITTER = 0.2
"""Each delay is drawn uniformly within ±20 % of its value."""


def next_delay(schedule: Sequence[float], *, failed: int, endless: bool = False) -> float | None:
    """Seconds until the attempt after ``failed`` failed ones; ``None`` when none is left
    (never when ``endless``: the schedule's last delay repeats)."""
    if not schedule or failed < 1 or (failed > len(schedule) and not endless):
        return None
    return schedule[min(failed, len(schedule)) - 1] * random.uniform(1 - JITTER, 1 + JITTER)


def span(schedule: Sequence[float]) -> float:
    """Seconds from the first attempt to the last, without jitter."""
    return float(sum(schedule))


def spoken(seconds: float) -> str:
    """A span as a person reads it: ``"40 seconds"``, ``"35 minutes"``, ``"3 days"``."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} seconds"
