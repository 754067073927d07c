"""One delivery over HTTP: a signed POST that no receiver can make the relay wait on.

- The whole exchange (connect, send, answer, the bit of body read) has one deadline.
- Redirects are never followed: a 3xx is a failed attempt, like any answer but a 2xx.
- Of the answer's body only the first :data:`EXCERPT_BYTES` are read (asked uncompressed, so a
  small compressed body cannot unpack into a large one); the rest is never received.
- Any error, of httpx or of its transport (anyio raises ``AttributeError`` on a connection the
  peer reset as it opened), is a failed attempt, never an exception out of :func:`send`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import OrderedDict
from collections.abc import Sequence

import httpx
import msgspec

from . import webhooks
from .outbox import Event

EXCERPT_BYTES = 1024
"""How much of a receiver's answer is kept (``delivery_attempts.response_excerpt``)."""


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one attempt came to."""

    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """The receiver answered 410 Gone: it asks never to be sent anything again."""
        return self.status_code == 410


class Clients:
    """The relay's HTTP clients: one per receiving origin (scheme, host, port and, for a URL
    vetted before each send, the address it was vetted at), so that

    - a connection is reused only for the host it was opened for (a pinned connection is
      pooled by its address: another host at that address must not ride on it);
    - a hung receiver's connections sit in its own pool, in nobody else's way (the relay
      bounds how many each receiver gets);
    - each pool stays small (httpx looks through its pool on every request).

    The least recently used client beyond :attr:`most` is closed once its sends are over.
    """

    def __init__(
        self,
        *,
        most: int = 256,
        grace: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.most = most
        self.grace = grace
        self.transport = transport
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()
        self._tls: ssl.SSLContext | None = None

    def of(self, url: httpx.URL, connect_to: str | None) -> httpx.AsyncClient:
        key = f"{url.scheme}://{url.netloc.decode('ascii')}@{connect_to or ''}"
        client = self._clients.get(key)
        if client is None:
            if self._tls is None:  # loading the CA certificates takes milliseconds: once
                self._tls = httpx.create_ssl_context()
            client = self._clients[key] = httpx.AsyncClient(
                follow_redirects=False, transport=self.transport, verify=self._tls
            )
            while len(self._clients) > self.most:
                _, evicted = self._clients.popitem(last=False)
                task = asyncio.create_task(_close_later(evicted, self.grace))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        self._clients.move_to_end(key)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for task in self._closing:
            task.cancel()
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


async def _close_later(client: httpx.AsyncClient, grace: float) -> None:
    try:
        await asyncio.sleep(grace)
    finally:
        await client.aclose()


async def send(
    clients: Clients,
    url: str,
    event: Event,
    *,
    secrets: Sequence[str],
    within: float,
    connect_to: str | None = None,
) -> Outcome:
    """POST ``event`` to ``url``, signed with each of ``secrets``, within ``within`` seconds;
    at the address ``connect_to`` when given (the one vetted: the host is not resolved again),
    its name kept for ``Host`` and TLS (SNI and the certificate's check)."""
    body = msgspec.json.encode(event)
    headers = webhooks.headers(secrets[0], message_id=str(event.id), body=body, also=secrets[1:])
    headers["accept-encoding"] = "identity"
    if event.correlation_id:
        headers["x-request-id"] = event.correlation_id
    started = time.perf_counter()

    def outcome(
        *, status_code: int | None = None, error: str | None = None, excerpt: str | None = None
    ) -> Outcome:
        elapsed = round((time.perf_counter() - started) * 1000)
        return Outcome(duration_ms=elapsed, status_code=status_code, error=error, excerpt=excerpt)

    try:
        async with asyncio.timeout(within):
            target = httpx.URL(url)
            client = clients.of(target, connect_to)
            # httpx's own timeouts a little later: the one deadline is the one that fires
            request = _request(
                client, target, body, headers, timeout=within + 1, connect_to=connect_to
            )
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                excerpt = await _excerpt(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return outcome(error=f"no answer within {within:g} s")
    except Exception as exc:  # httpx's errors, and its transport's own
        return outcome(error=f"{type(exc).__name__}: {exc}"[:500])
    status = response.status_code
    if 200 <= status < 300:
        return outcome(status_code=status, excerpt=excerpt)
    reason = "a redirect, not followed" if 300 <= status < 400 else response.reason_phrase
    return outcome(status_code=status, excerpt=excerpt, error=f"HTTP {status} {reason}".strip())


def _request(
    client: httpx.AsyncClient,
    target: httpx.URL,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    connect_to: str | None,
) -> httpx.Request:
    extensions: dict[str, str] = {}
    if connect_to is not None:  # the host's name for Host and TLS, its vetted address for TCP
        headers = {**headers, "host": target.netloc.decode("ascii")}
        extensions["sni_hostname"] = target.host
        target = target.copy_with(host=connect_to)
    return client.build_request(
        "POST", target, content=body, headers=headers, timeout=timeout, extensions=extensions
    )


async def _excerpt(response: httpx.Response) -> str | None:
    """The answer's first bytes as text (PostgreSQL's text holds no NUL), or ``None``."""
    read = b""
    async for chunk in response.aiter_raw():
        read += chunk
        if len(read) >= EXCERPT_BYTES:
            break
    if not read:
        return None
    return read[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "")
