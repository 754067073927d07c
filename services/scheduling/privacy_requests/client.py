"""Accreditation and invoicing as a person's request reaches them: their own API
(``/v1/subjects/{person_id}/...``) with the caller's ``Authorization`` passed on, one client
per service for the app's lifetime (``KRING_ACCREDITATION_URL``, ``KRING_INVOICING_URL``).
A service that cannot be reached is an answer (:class:`Answer` with status 503), never an
exception, so that the request can keep what happened."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import structlog
from litestar import Litestar, Request
from litestar.datastructures import State

from services.kit.errors import FieldError, Forbidden, NotFound, Unavailable
from services.kit.http import install_client

TIMEOUT_SECONDS = 30.0
"""How long one service's part of a person's request may take."""

log = structlog.get_logger("kring.scheduling.privacy_requests")


class Answer(msgspec.Struct, frozen=True):
    status: int
    body: Any


class Peers:
    """The other services as one request's caller reaches them."""

    def __init__(
        self, clients: dict[str, httpx.AsyncClient | None], *, authorization: str | None
    ) -> None:
        self.clients = clients
        self.headers = {"authorization": authorization} if authorization else {}

    def _client(self, service: str) -> httpx.AsyncClient:
        client = self.clients.get(service)
        if client is None:
            raise _unavailable(service, "is not configured")
        return client

    async def export(self, service: str, person_id: uuid.UUID) -> bytes:
        """The service's export of the person, as it answered it (JSON); its refusal (403,
        404) as the same refusal, anything else a 503 naming it."""
        try:
            response = await self._client(service).get(
                f"/v1/subjects/{person_id}/export", headers=self.headers, timeout=TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            raise _unavailable(service, f"did not answer ({type(exc).__name__})") from exc
        if response.status_code == 200:
            return response.content
        if response.status_code == 403:
            raise Forbidden(f"{service} refuses this export: {_detail(response)}")
        if response.status_code == 404:
            raise NotFound(f"{service}: {_detail(response)}")
        raise _unavailable(service, f"answered {response.status_code}")

    async def document(self, service: str, href: str) -> AsyncIterator[bytes]:
        """A document the service's export listed, as it streams it."""
        client = self._client(service)
        async with client.stream("GET", href, headers=self.headers, timeout=TIMEOUT_SECONDS) as got:
            if got.status_code != 200:
                raise _unavailable(service, f"answered {got.status_code} for {href}")
            async for chunk in got.aiter_bytes():
                yield chunk

    async def erase(self, service: str, person_id: uuid.UUID) -> Answer:
        """The service's part of the person's erasure: its status and body as it answered
        (503 when it did not)."""
        try:
            response = await self._client(service).post(
                f"/v1/subjects/{person_id}/erasure", headers=self.headers, timeout=TIMEOUT_SECONDS
            )
        except (httpx.HTTPError, Unavailable) as exc:
            log.warning("erasure_unanswered", service=service, error=type(exc).__name__)
            return Answer(503, {"detail": f"{service} did not answer"})
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status_code, body)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.status_code))
    except (ValueError, AttributeError):
        return str(response.status_code)


def _unavailable(service: str, why: str) -> Unavailable:
    log.warning("peer_unavailable", service=service, reason=why)
    return Unavailable(
        f"{service} {why}: the person's data cannot be gathered now.",
        errors=[FieldError(rule="service_unavailable", message=service)],
        retry_after=5,
    )


def install(app: Litestar, invoicing_url: str) -> None:
    """Invoicing's client, opened and closed with the app (accreditation's is the preflight's,
    ``preflight.client``, each call here setting a timeout of its own)."""
    install_client(app, "invoicing", invoicing_url, timeout=TIMEOUT_SECONDS)


def provide_peers(request: Request[Any, Any, Any], state: State) -> Peers:
    """A handler's ``peers``: the app's clients, with the caller's ``Authorization``."""
    clients = {name: state.get(name) for name in ("accreditation", "invoicing")}
    return Peers(clients, authorization=request.headers.get("authorization"))
