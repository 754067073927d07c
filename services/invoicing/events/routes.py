"""Scheduling's events, received: ``POST /internal/events`` (Standard Webhooks).

Authenticity is the webhook signature (``/internal/`` paths take no JWT); what an event
does is ``service.py``'s. A 200 stops the producer's retries whatever the result; a
malformed event is a 400, a bad signature or stale timestamp a 401.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from . import service
from .schemas import EventResult


class EventController(Controller):
    path = "/internal/events"
    include_in_schema = False

    @post("/", status_code=HTTP_200_OK)
    async def receive(self, request: Request[Any, Any, Any]) -> EventResult:
        """Apply one of scheduling's events, once."""
        state = request.app.state
        return await service.receive(
            state.pool, state.settings.webhook_secrets, request.headers, await request.body()
        )
