"""Helpers the accreditation tests of several domains share."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Token


async def record(
    client: httpx.AsyncClient, auth: Token, body: dict[str, Any], role: str = "service"
) -> dict[str, Any]:
    response = await client.post("/v1/ledger/sessions", json=body, headers=auth(role))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
