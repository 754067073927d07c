"""``LISTEN`` that comes back: a connection of its own that is re-made whenever it is lost.

A restarted (or failed-over) PostgreSQL closes every connection, and with it every ``LISTEN``.
The listener notices at once when the connection reports its end (asyncpg's termination
listener) and, for a connection that dies silently (a network partition), when a ping every
:data:`PING_SECONDS` fails or gets no answer. It then connects again with exponential backoff
and jitter, and on each new connection calls ``on_notify`` once: whatever was notified while
nobody listened is read then. The relay's poll stays the source of truth meanwhile.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger("kring.relay")

PING_SECONDS = 10.0
PING_TIMEOUT = 5.0
FIRST_RETRY = 0.2
LAST_RETRY = 15.0
"""Seconds between attempts to listen again: doubling from the first to at most the last."""


class Listener:
    def __init__(
        self,
        pool: asyncpg.Pool,
        channel: str,
        on_notify: Callable[[], None],
        *,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        self.pool = pool
        self.channel = channel
        self.on_notify = on_notify
        self.ping_seconds = ping_seconds
        self.listening = asyncio.Event()
        """Set while a connection listens (tests and health read it)."""
        self.connections = 0
        """How many connections listened so far: more than one means it came back."""

    async def run(self) -> None:
        """Listen until cancelled, again and again."""
        retry = FIRST_RETRY
        while True:
            try:
                await self._listen_until_lost()
                retry = FIRST_RETRY
            except Exception as exc:  # the database away, or a connection lost as it was made
                log.warning("relay_listener_lost", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(retry * random.uniform(0.5, 1.0))
            retry = min(LAST_RETRY, retry * 2)

    async def _listen_until_lost(self) -> None:
        conn: asyncpg.Connection = await self.pool.acquire()
        lost = asyncio.Event()

        def terminated(_: Any) -> None:
            lost.set()

        conn.add_termination_listener(terminated)
        try:
            await conn.add_listener(self.channel, self._notified)
            self.connections += 1
            self.listening.set()
            if self.connections > 1:
                log.info("relay_listening_again", channel=self.channel)
            self.on_notify()  # what was notified while nobody listened
            while True:
                try:
                    async with asyncio.timeout(self.ping_seconds):
                        await lost.wait()
                    break
                except TimeoutError:  # no news: is it there still?
                    async with asyncio.timeout(PING_TIMEOUT):
                        await conn.fetchval("SELECT 1")
            log.warning("relay_listener_lost", error="the connection was closed")
        finally:
            self.listening.clear()
            conn.remove_termination_listener(terminated)
            await _give_back(self.pool, conn, self.channel, self._notified)

    def _notified(self, *_: Any) -> None:
        self.on_notify()


async def _give_back(
    pool: asyncpg.Pool, conn: asyncpg.Connection, channel: str, callback: Callable[..., None]
) -> None:
    """Return the connection to the pool: unlistened if it still answers, else closed."""
    if not conn.is_closed():
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                await conn.remove_listener(channel, callback)
        except (Exception, TimeoutError):
            conn.terminate()
    with suppress(Exception):
        await pool.release(conn)
