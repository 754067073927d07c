"""The preflight through the HTTP API, on the real database: each register the members hold
warns of the rules a group or a planned session will break, named as the ledger names them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Token

LVSC_SUPERVISOR = {"register": "LVSC", "role": "supervisor"}


def member(*registrations: dict[str, Any]) -> dict[str, Any]:
    return {"person_id": str(uuid.uuid4()), "registrations": list(registrations)}


def vaktherapie() -> dict[str, Any]:
    return {"register": "VAKTHERAPIE", "number": "VT-1", "registered_on": "2021-05-01"}


def skj(**extra: Any) -> dict[str, Any]:
    return {"register": "SKJ", "number": "110012345", "registered_on": "2022-01-10", **extra}


def facts(members: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "group_size": len(members),
        "mode": "in_person",
        "facilitator_recognitions": [LVSC_SUPERVISOR],
        "members": members,
        **extra,
    }


async def warnings(
    client: httpx.AsyncClient, auth: Token, body: dict[str, Any], role: str = "facilitator"
) -> list[dict[str, Any]]:
    response = await client.post("/v1/preflight", json=body, headers=auth(role))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["warnings"]
    return found


async def test_a_ninth_member_breaks_vaktherapie_s_maximum_of_eight(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    nine = [member(vaktherapie()) for _ in range(9)]

    found = await warnings(accreditation, auth, facts(nine))

    assert found == [
        {
            "register": "VAKTHERAPIE",
            "rule": "group_max",
            "message": "a group of 9; VAKTHERAPIE allows at most 8",
        }
    ]
    assert await warnings(accreditation, auth, facts(nine[:8])) == []


async def test_an_skj_member_whose_facilitator_skj_does_not_recognise(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = facts([member(skj())], facilitator_recognitions=[{"register": "NOVA", "role": "x"}])

    found = await warnings(accreditation, auth, body)

    assert [(w["register"], w["rule"]) for w in found] == [("SKJ", "facilitator_recognition")]
    assert "SKJ" in found[0]["message"] and "LVSC" in found[0]["message"]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("online", "SKJ does not count online hours"),
        ("hybrid", "members who join online: SKJ does not count online hours"),
    ],
)
async def test_an_online_or_hybrid_session_for_skj(
    accreditation: httpx.AsyncClient, auth: Token, mode: str, message: str
) -> None:
    body = facts([member(skj())], mode=mode, planned_minutes=120)

    found = await warnings(accreditation, auth, body, role="service")

    assert found == [{"register": "SKJ", "rule": "online", "message": message}]


async def test_an_skj_registration_without_a_date_names_its_member(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    undated = member(skj(registered_on=None))
    body = facts([member(skj()), undated])

    found = await warnings(accreditation, auth, body)

    assert found == [
        {
            "register": "SKJ",
            "rule": "registered_on",
            "message": "SKJ's cycles run from the registration date: `registered_on` is needed",
            "person_id": undated["person_id"],
        }
    ]


async def test_a_short_session_and_a_register_without_rules(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    odd = member({"register": "NOPE", "number": "1"})
    body = facts([member(skj()), odd], planned_minutes=45)

    found = await warnings(accreditation, auth, body, role="admin")

    assert [(w["register"], w["rule"], w.get("person_id")) for w in found] == [
        ("SKJ", "min_session_minutes", None),
        ("NOPE", "register", odd["person_id"]),
    ]


async def test_a_clean_group_warns_of_nothing(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    members = [
        member(skj(), {"register": "NIP", "number": "12345", "registered_on": "2020-02-02"})
        for _ in range(6)
    ]
    members += [member(), member(vaktherapie())]

    assert await warnings(accreditation, auth, facts(members), role="service") == []


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"group_size": 1}, 422, "body.group_size"),
        ({"members": "twice"}, 422, "body.members[1].person_id"),
        ({"members": "two SKJ"}, 422, "body.members[0].registrations"),
        ({"mode": "by letter"}, 400, None),
        ({"group_size": 0}, 400, None),
        ({"unknown": True}, 400, None),
    ],
)
async def test_bad_facts_are_refused_naming_the_field(
    accreditation: httpx.AsyncClient,
    auth: Token,
    change: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    body = facts([member(skj()), member(skj())])
    if change.get("members") == "twice":
        body["members"][1]["person_id"] = body["members"][0]["person_id"]
    elif change.get("members") == "two SKJ":
        body["members"][0]["registrations"].append(skj(number="2"))
    else:
        body.update(change)

    response = await accreditation.post("/v1/preflight", json=body, headers=auth("admin"))

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize("role", ["participant", "hr", "registrar"])
async def test_only_those_who_form_groups_ask(
    accreditation: httpx.AsyncClient, auth: Token, role: str
) -> None:
    response = await accreditation.post("/v1/preflight", json=facts([]), headers=auth(role))

    assert response.status_code == 403, response.text
