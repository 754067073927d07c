"""Scheduling's sessions over HTTP, asked whether the session a cost sheet names exists.

One client for the app's lifetime, built at startup when ``KRING_SCHEDULING_URL`` names
scheduling; each request's caller (its ``Authorization``: the same tenant and audience) is
passed on, so scheduling answers as it would answer the caller. A session scheduling does not
show the caller is not found. When scheduling cannot be asked (not configured, no answer, an
answer invoicing cannot read) the request is refused with a 503 rather than recorded unchecked.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import httpx
import msgspec
import structlog
from litestar import Litestar, Request
from litestar.datastructures import State

from services.kit.errors import FieldError, Unavailable
from services.kit.http import install_client

from .schemas import ScheduledSession

TIMEOUT_SECONDS: Final = 2.0
"""A cost sheet waits at most this long for scheduling."""
RETRY_AFTER_SECONDS: Final = 30

log = structlog.get_logger("kring.invoicing.sessions")
_decode = msgspec.json.Decoder(ScheduledSession).decode


def _unavailable(reason: str, *, retry_after: int | None = RETRY_AFTER_SECONDS) -> Unavailable:
    log.warning("scheduling_unavailable", reason=reason)
    message = f"the session cannot be checked: scheduling {reason}"
    return Unavailable(
        f"body.session_id: {message}",
        errors=[
            FieldError(field="body.session_id", rule="scheduling_unavailable", message=message)
        ],
        retry_after=retry_after,
    )


class Sessions:
    """Scheduling's sessions as one request's caller sees them; ``client`` None: not configured."""

    def __init__(self, client: httpx.AsyncClient | None, *, authorization: str | None) -> None:
        self.client = client
        self.authorization = authorization

    async def find(self, session_id: uuid.UUID) -> ScheduledSession | None:
        """The session, or ``None`` when scheduling has none of that id for the caller."""
        if self.client is None:
            raise _unavailable("is not configured for invoicing", retry_after=None)
        headers = {"authorization": self.authorization} if self.authorization else {}
        try:
            response = await self.client.get(f"/v1/sessions/{session_id}", headers=headers)
        except httpx.HTTPError as exc:
            raise _unavailable(f"did not answer ({type(exc).__name__})") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _unavailable(f"answered {response.status_code}")
        try:
            return _decode(response.content)
        except msgspec.DecodeError as exc:
            raise _unavailable(f"gave an answer invoicing cannot read ({exc})") from exc


def install(
    app: Litestar, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """The client opens with the app and closes with it; without ``base_url``, none.
    ``transport`` reaches scheduling other than over the network (the tests: its app)."""
    install_client(app, "scheduling", base_url, timeout=TIMEOUT_SECONDS, transport=transport)


def provide_sessions(request: Request[Any, Any, Any], state: State) -> Sessions:
    """A handler's ``sessions``: the app's client, with the caller's ``Authorization``."""
    return Sessions(state.get("scheduling"), authorization=request.headers.get("authorization"))
