"""Time-ordered identifiers (UUID version 7, RFC 9562), so keyset order is creation order.

Within one process the order is strict, also for ids made in the same millisecond: the 12
bits after the version are a counter (RFC 9562, section 6.2, method 1), started at a random
value in its lower half each millisecond, so a burst of up to 2,048 ids a millisecond keeps
its order. A clock that steps back, or a counter that runs out, borrows the next
millisecond rather than go backwards.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next(now_ms: int) -> tuple[int, int]:
    global _last_ms, _counter
    with _lock:
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, int.from_bytes(os.urandom(2), "big") & 0x7FF
        elif _counter < 0xFFF:
            _counter += 1
        else:
            _last_ms, _counter = _last_ms + 1, int.from_bytes(os.urandom(2), "big") & 0x7FF
        return _last_ms, _counter


def uuid7() -> uuid.UUID:
    """48 bits of Unix milliseconds, version 7, a 12-bit counter, variant 0b10, 62 random bits."""
    ms, counter = _next(time.time_ns() // 1_000_000)
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


UUID7_SQL = (
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing"
    " substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)"
    " FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid"
)
"""A version 7 id made by PostgreSQL (17 has no ``uuidv7()``), for rows a statement writes
many of: 48 bits of Unix milliseconds, as :func:`uuid7`'s, then version 7 over a random v4.
Rows the same millisecond are in no order among themselves; across milliseconds, and against
ids made here, keyset order is creation order."""
