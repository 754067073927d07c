"""Scheduling asks accreditation's preflight when a member joins or a session is planned; when
accreditation cannot be asked, the change is made and the answer says the registers' rules
were not checked (rule `preflight_unavailable`), never an error and never silence."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest_asyncio

from services.kit.settings import Settings
from tests.conftest import Token, _client
from tests.scheduling.support import group, person
from tests.servers import free_port


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def asking(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    """Scheduling with accreditation's URL on a port nothing listens on."""
    settings = settings_for("scheduling", accreditation_url=f"http://127.0.0.1:{free_port()}")
    async for client in _client(settings, "scheduling"):
        yield client


def unavailable(warnings: list[dict[str, str]]) -> list[dict[str, str]]:
    return [w for w in warnings if w["rule"] == "preflight_unavailable"]


async def test_a_member_joins_with_a_warning_when_accreditation_does_not_answer(
    asking: httpx.AsyncClient, auth: Token
) -> None:
    formed = await group(asking, auth)
    anna = await person(
        asking, auth, "anna", registrations=[{"register": "VAKTHERAPIE", "number": "VT-1"}]
    )

    response = await asking.post(
        f"/v1/groups/{formed['id']}/members", json={"person_id": anna["id"]}, headers=auth()
    )

    assert response.status_code == 201, response.text
    joined = response.json()
    assert [m["person_id"] for m in joined["members"]] == [anna["id"]]
    (warning,) = unavailable(joined["warnings"])
    assert warning["field"] == "registers"
    assert "not checked" in warning["message"] and "ConnectError" in warning["message"]
    again = await asking.get(f"/v1/groups/{formed['id']}", headers=auth())
    assert [m["person_id"] for m in again.json()["members"]] == [anna["id"]]


async def test_a_session_is_planned_with_a_warning_when_accreditation_does_not_answer(
    asking: httpx.AsyncClient, auth: Token
) -> None:
    formed = await group(asking, auth)
    plan = {"group_id": formed["id"], "start": "2031-03-04T19:00", "end": "2031-03-04T21:00"}

    response = await asking.post("/v1/sessions", json=plan, headers=auth())

    assert response.status_code == 201, response.text
    planned = response.json()
    assert len(planned["sessions"]) == 1
    (warning,) = unavailable(planned["warnings"])
    assert warning["field"] == "registers" and "not checked" in warning["message"]


async def test_without_accreditation_s_url_nothing_is_asked(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    formed = await group(scheduling, auth)
    anna = await person(scheduling, auth, "anna")

    response = await scheduling.post(
        f"/v1/groups/{formed['id']}/members", json={"person_id": anna["id"]}, headers=auth()
    )

    assert response.status_code == 201, response.text
    assert unavailable(response.json()["warnings"]) == []
