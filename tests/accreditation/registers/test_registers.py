"""The register catalogue and the organisation's own registers through the HTTP API, on the real
database."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from services.accreditation.principal import ROLES
from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

SEEDED = ["MFN", "NBA", "NIP", "NOVA", "NVO", "SKJ", "VAKTHERAPIE", "VVN"]


async def test_list_holds_every_seeded_register_in_code_order(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    response = await accreditation.get("/v1/registers", headers=auth("admin"))

    assert response.status_code == 200, response.text
    codes = [register["code"] for register in response.json()["items"]]
    assert codes == sorted(codes)
    assert set(SEEDED) <= set(codes)


async def test_get_by_code(accreditation: httpx.AsyncClient, auth: Token) -> None:
    response = await accreditation.get("/v1/registers/NOVA", headers=auth("participant"))

    assert response.status_code == 200, response.text
    register = response.json()
    assert register.pop("notes")
    assert register == {
        "code": "NOVA",
        "name": "NOvA",
        "full_name": "Nederlandse Orde van Advocaten",
        "profession": "lawyer",
        "website": "https://www.advocatenorde.nl",
        "counts_intervisie": True,
        "defined_by": "catalogue",
    }


async def test_one_register_is_the_same_as_in_the_list(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    listed = (await accreditation.get("/v1/registers", headers=auth())).json()["items"]
    for register in listed:
        one = await accreditation.get(f"/v1/registers/{register['code']}", headers=auth())
        assert one.json() == register


@pytest.mark.parametrize(
    ("spelling", "code"), [("NOvA", "NOVA"), ("nova", "NOVA"), ("MfN", "MFN"), ("V&VN", "VVN")]
)
async def test_common_spellings_find_the_register(
    accreditation: httpx.AsyncClient, auth: Token, spelling: str, code: str
) -> None:
    response = await accreditation.get(f"/v1/registers/{spelling}", headers=auth())

    assert response.status_code == 200, response.text
    assert response.json()["code"] == code


async def test_unknown_code_is_a_404_problem(accreditation: httpx.AsyncClient, auth: Token) -> None:
    response = await accreditation.get("/v1/registers/XYZ", headers=auth())

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:kring:problem:not-found"
    assert problem["status"] == 404
    assert "XYZ" in problem["detail"]


async def test_malformed_code_is_refused(accreditation: httpx.AsyncClient, auth: Token) -> None:
    response = await accreditation.get("/v1/registers/N", headers=auth())

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["rule"] == "pattern"


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_every_role_may_read(
    accreditation: httpx.AsyncClient, auth: Token, role: str
) -> None:
    assert (await accreditation.get("/v1/registers", headers=auth(role))).status_code == 200
    assert (await accreditation.get("/v1/registers/SKJ", headers=auth(role))).status_code == 200


@pytest.mark.parametrize("path", ["/v1/registers", "/v1/registers/SKJ"])
async def test_no_token_is_a_401(accreditation: httpx.AsyncClient, path: str) -> None:
    response = await accreditation.get(path)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_organisation_registers_are_the_organisations_own(
    accreditation: httpx.AsyncClient, auth: Token, token_for: Any
) -> None:
    body = {"name": "Eigen register", "full_name": "Eigen register", "profession": "any"}
    created = await accreditation.put("/v1/registers/EIGEN", json=body, headers=auth())
    again = await accreditation.put("/v1/registers/EIGEN", json=body, headers=auth())
    catalogue = await accreditation.put("/v1/registers/V&VN", json=body, headers=auth())
    stranger = token_for(uuid.uuid4(), "admin")

    assert (created.status_code, again.status_code, catalogue.status_code) == (201, 200, 409)
    assert (await accreditation.get("/v1/registers/EIGEN", headers=stranger)).status_code == 404
    rule_sets = await accreditation.get("/v1/registers/NOVA/rule-sets", headers=auth("registrar"))
    assert [v["version"] for v in rule_sets.json()["items"]] == [1, 2]  # 2: NOvA's corrected
    assert rule_sets.json()["items"][0]["rules"]["cap_per_year_centi"] == 400


async def test_organisation_registers_have_versioned_rules(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    created = await accreditation.put(
        "/v1/registers/GEMEENTE_CPD",
        json={"name": "Gemeente CPD", "full_name": "CPD-register gemeente", "profession": "any"},
        headers=auth("admin"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["defined_by"] == "organisation"
    v1 = {"valid_from": "2024-01-01", "rules": {"unit": "hours", "min_session_minutes": 60}}
    v2 = {"valid_from": "2024-07-01", "rules": {"unit": "hours", "min_session_minutes": 120}}
    for version in (v1, v2):
        response = await accreditation.post(
            "/v1/registers/GEMEENTE_CPD/rule-sets", json=version, headers=auth("admin")
        )
        assert response.status_code == 201, response.text
    back = await accreditation.post(
        "/v1/registers/GEMEENTE_CPD/rule-sets", json=v1, headers=auth("admin")
    )
    assert back.status_code == 422
    catalogue = await accreditation.post("/v1/registers/NIP/rule-sets", json=v1, headers=auth())
    assert catalogue.status_code == 409

    person = uuid.uuid4()
    spring = session(
        attendee(registration("GEMEENTE_CPD", "G1"), person_id=person),
        day=date(2024, 3, 10),
        minutes=90,
    )
    autumn = session(
        attendee(registration("GEMEENTE_CPD", "G1"), person_id=person),
        day=date(2024, 9, 10),
        minutes=90,
    )
    march = (await record(accreditation, auth, spring))["judgements"][0]
    september = (await record(accreditation, auth, autumn))["judgements"][0]
    assert (march["outcome"], march["entry"]["rule_version"]) == ("recorded", 1)
    assert september["outcome"] == "refused"
    assert [r["rule"] for r in september["reasons"]] == ["min_session_minutes"]

    listed = await accreditation.get("/v1/registers", headers=auth())
    assert "GEMEENTE_CPD" in [r["code"] for r in listed.json()["items"]]
    versions = await accreditation.get("/v1/registers/GEMEENTE_CPD/rule-sets", headers=auth())
    assert [v["version"] for v in versions.json()["items"]] == [1, 2]
