"""Warned before it costs hours, across the processes: when a ninth arts therapist joins a group,
scheduling's answer carries accreditation's preflight warning that Register Vaktherapie counts
groups of at most eight, the register and the rule named."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.flow.platform import Platform
from tests.flow.support import member, ok, supervised_group


def vaktherapie(i: int) -> dict[str, Any]:
    return {
        "registrations": [
            {"register": "VAKTHERAPIE", "number": f"VT-{1000 + i}", "registered_on": "2021-05-01"}
        ]
    }


async def join(api: httpx.AsyncClient, group_id: str, key: str, **person: Any) -> dict[str, Any]:
    """The answer to the person joining the group."""
    body = {"given_name": key.capitalize(), "family_name": "Vaktherapeut", **person}
    stored = ok(await api.put(f"/v1/people/by-external-id/{key}", json=body))
    response = await api.post(f"/v1/groups/{group_id}/members", json={"person_id": stored["id"]})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def register_warnings(answer: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (w["field"], w["rule"])
        for w in answer["warnings"]
        if str(w.get("field", "")).startswith("registers")
    }


async def test_a_ninth_member_is_warned_of_vaktherapie_s_maximum_of_eight(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(uuid.uuid4(), "admin", ttl=3600)
    async with httpx.AsyncClient(
        base_url=platform.urls["scheduling"], headers=admin, timeout=30
    ) as api:
        group_id = await supervised_group(api, "Vaktherapie Utrecht")
        for i in range(7):
            await member(api, group_id, f"therapeut{i}", **vaktherapie(i))

        eighth = await join(api, group_id, "therapeut7", **vaktherapie(7))
        assert register_warnings(eighth) == set(), eighth["warnings"]

        ninth = await join(api, group_id, "therapeut8", **vaktherapie(8))

    assert len(ninth["members"]) == 9
    assert register_warnings(ninth) == {("registers.VAKTHERAPIE", "group_max")}, ninth["warnings"]
    (warning,) = [w for w in ninth["warnings"] if w["rule"] == "group_max"]
    assert warning["message"] == "a group of 9; VAKTHERAPIE allows at most 8"
