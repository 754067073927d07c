"""``POST /internal/events``: scheduling's events, applied once each.

Authenticity comes from the Standard Webhooks signature (``KRING_WEBHOOK_SECRETS``), not a
token: ``/internal/`` is outside JWT authentication.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from . import service
from .schemas import EventOutcome


class InboxController(Controller):
    path = "/internal"
    include_in_schema = False

    @post("/events", status_code=HTTP_200_OK)
    async def receive(self, request: Request[Any, Any, Any]) -> EventOutcome:
        """Verify, then apply `session.closed`, `session.cancelled` and `person.updated`; ignore
        other types."""
        state = request.app.state
        return await service.receive(
            state.pool,
            secrets=state.settings.webhook_secrets,
            headers=request.headers,
            body=await request.body(),
            signer=state.signer,
        )
