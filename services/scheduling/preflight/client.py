"""Accreditation's preflight over HTTP: one client for the app's lifetime, built at startup
when ``KRING_ACCREDITATION_URL`` names accreditation, and each request's caller (its
``Authorization``: the same tenant and audience) passed on. A failure is an answer
(:class:`~.rules.Unavailable`), never an exception."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import structlog
from litestar import Litestar, Request
from litestar.datastructures import State

from services.kit.http import install_client

from .rules import Answer, Unavailable
from .schemas import PreflightFacts, PreflightResult

TIMEOUT_SECONDS = 2.0
"""A join or a plan waits at most this long for the preflight."""

log = structlog.get_logger("kring.scheduling.preflight")
_decode = msgspec.json.Decoder(PreflightResult).decode


class Preflight:
    """The preflight as one request's caller asks it; ``client`` None: not configured."""

    def __init__(self, client: httpx.AsyncClient | None, *, authorization: str | None) -> None:
        self.client = client
        self.authorization = authorization

    @property
    def configured(self) -> bool:
        return self.client is not None

    async def ask(self, facts: PreflightFacts) -> Answer:
        assert self.client is not None
        headers = {"authorization": self.authorization} if self.authorization else {}
        try:
            response = await self.client.post(
                "/v1/preflight", content=msgspec.json.encode(facts), headers=headers | _JSON
            )
        except httpx.HTTPError as exc:
            return _unavailable(f"did not answer ({type(exc).__name__})")
        if response.status_code != 200:
            return _unavailable(f"answered {response.status_code}")
        try:
            return _decode(response.content).warnings
        except msgspec.DecodeError as exc:
            return _unavailable(f"gave an answer scheduling cannot read ({exc})")


_JSON = {"content-type": "application/json"}


def _unavailable(reason: str) -> Unavailable:
    log.warning("preflight_unavailable", reason=reason)
    return Unavailable(reason)


def install(app: Litestar, base_url: str) -> None:
    """The client opens with the app and closes with it; without ``base_url``, no preflight."""
    install_client(app, "accreditation", base_url, timeout=TIMEOUT_SECONDS)


def provide_preflight(request: Request[Any, Any, Any], state: State) -> Preflight:
    """A handler's ``preflight``: the app's client, with the caller's ``Authorization``."""
    return Preflight(state.get("accreditation"), authorization=request.headers.get("authorization"))
