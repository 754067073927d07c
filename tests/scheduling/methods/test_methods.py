"""The method catalogue through the HTTP API: shared by every tenant, extended by each."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Token
from tests.scheduling.support import group


@pytest.mark.parametrize("mode", ["in_person", "online", "hybrid"])
async def test_methods_catalogue_is_shared_and_extendable(
    scheduling: httpx.AsyncClient, auth: Token, mode: str
) -> None:
    catalogue = (await scheduling.get("/v1/methods", headers=auth("participant"))).json()["items"]
    assert {"incidentmethode", "balintmethode", "drie-stoelen"} <= {m["key"] for m in catalogue}
    own = await scheduling.post(
        "/v1/methods",
        json={
            "key": f"eigen-{mode.replace('_', '-')}",
            "name": "Eigen methode",
            "minutes": 45,
            "steps": ["Inbreng", "Vragen", "Advies"],
        },
        headers=auth(),
    )
    assert own.status_code == 201
    assert own.json()["catalogue"] is False
    again = await scheduling.post(
        "/v1/methods",
        json={"key": own.json()["key"], "name": "X", "minutes": 45, "steps": ["a"]},
        headers=auth(),
    )
    assert again.status_code == 409
    g = await group(scheduling, auth, mode=mode, default_method_id=own.json()["id"])
    assert g["default_method_id"] == own.json()["id"]
