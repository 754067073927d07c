"""A cost sheet sent to invoicing names a session scheduling knows: invoicing asks the real
scheduling (in process, over ASGI, on the same database) as the caller, and refuses what
scheduling does not know, a cancelled session and another facilitator's; when scheduling
cannot be asked, nothing is recorded (503)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest_asyncio
from litestar import Litestar

from services.kit.settings import Settings
from tests.conftest import SCHEDULING_URL, Token, _client, scheduling_mounts
from tests.servers import free_port

from ..support import cost_sheet, facilitator, profile, session


def _refusal(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def _sheets(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/v1/cost-sheets", headers=headers)).json()[
        "items"
    ]
    return items


async def test_a_sheet_for_a_session_scheduling_never_had_is_a_422(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())

    response = await invoicing.post("/v1/cost-sheets", json=cost_sheet(fac), headers=auth())

    assert response.status_code == 422, response.text
    assert _refusal(response) == [("body.session_id", "session_unknown")]
    assert await _sheets(invoicing, auth()) == []


async def test_a_cancelled_session_is_not_billed_by_hand(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    planned = await session(invoicing, auth(), fac)
    cancelled = await invoicing.post(
        f"{SCHEDULING_URL}/v1/sessions/{planned}/cancel", json={"reason": "ziek"}, headers=auth()
    )
    assert cancelled.status_code == 200, cancelled.text

    response = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(fac, session_id=planned), headers=auth()
    )

    assert response.status_code == 422, response.text
    assert _refusal(response) == [("body.session_id", "session_cancelled")]
    assert await _sheets(invoicing, auth()) == []


async def test_the_sheet_s_facilitator_must_be_the_session_s(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac, other = await profile(invoicing, auth()), await profile(invoicing, auth())
    others = await session(invoicing, auth(), other)

    by_admin = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(fac, session_id=others), headers=auth()
    )
    as_facilitator = auth("facilitator", person=fac)
    by_facilitator = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(fac, session_id=others), headers=as_facilitator
    )

    assert by_admin.status_code == 422, by_admin.text
    assert _refusal(by_admin) == [("body.session_id", "session_facilitator")]
    # Scheduling shows a facilitator only their own sessions: to them it does not exist.
    assert by_facilitator.status_code == 422, by_facilitator.text
    assert _refusal(by_facilitator) == [("body.session_id", "session_unknown")]
    own = await session(invoicing, as_facilitator, fac)
    made = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(fac, session_id=own), headers=as_facilitator
    )
    assert made.status_code == 201, made.text


async def test_the_body_s_own_rules_are_checked_before_scheduling_is_asked(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    fac = await profile(invoicing, auth())
    short = cost_sheet(fac, session_ends_at="2026-11-20T13:00:00+01:00")
    response = await invoicing.post("/v1/cost-sheets", json=short, headers=auth())
    assert _refusal(response) == [("body.session_ends_at", "session_length")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def unreachable(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing told to ask scheduling on a port nothing listens on (the test client still
    reaches the real scheduling, to make the facilitator and the session)."""
    settings = settings_for("invoicing", scheduling_url=f"http://127.0.0.1:{free_port()}")
    async for client in _client(settings, "invoicing", mounts=scheduling_mounts(scheduling_app)):
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def unconfigured(
    settings_for: Callable[..., Settings], scheduling_app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """Invoicing without ``KRING_SCHEDULING_URL``."""
    settings = settings_for("invoicing")
    async for client in _client(settings, "invoicing", mounts=scheduling_mounts(scheduling_app)):
        yield client


async def _refused_unavailable(client: httpx.AsyncClient, auth: Token) -> httpx.Response:
    fac = await profile(client, auth())
    body = cost_sheet(fac, session_id=await session(client, auth(), fac))
    response = await client.post("/v1/cost-sheets", json=body, headers=auth())
    assert response.status_code == 503, response.text
    assert _refusal(response) == [("body.session_id", "scheduling_unavailable")]
    assert await _sheets(client, auth()) == []
    return response


async def test_scheduling_down_is_a_503_to_try_again_later(
    unreachable: httpx.AsyncClient, auth: Token
) -> None:
    response = await _refused_unavailable(unreachable, auth)
    assert response.headers["retry-after"] == "30"
    assert "ConnectError" in response.json()["errors"][0]["message"]


async def test_without_scheduling_s_url_a_sheet_is_refused_not_recorded_unchecked(
    unconfigured: httpx.AsyncClient, auth: Token
) -> None:
    response = await _refused_unavailable(unconfigured, auth)
    assert "retry-after" not in response.headers


async def test_another_tenant_s_session_is_unknown(
    invoicing: httpx.AsyncClient, auth: Token, token_for: Callable[..., dict[str, str]]
) -> None:
    """Scheduling is asked with the caller's token, so in the caller's tenant only."""
    theirs = await session(invoicing, auth(), await facilitator(invoicing, auth()))
    elsewhere = token_for(uuid.uuid4(), "admin")
    fac = await profile(invoicing, elsewhere)

    response = await invoicing.post(
        "/v1/cost-sheets", json=cost_sheet(fac, session_id=theirs), headers=elsewhere
    )

    assert response.status_code == 422, response.text
    assert _refusal(response) == [("body.session_id", "session_unknown")]
