"""New rule-set versions refused, each naming its field and rule, with nothing stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

REASON = "Confirmed by the register in writing."


async def versions(client: httpx.AsyncClient, auth: Token, code: str) -> list[int]:
    listed = await client.get(f"/v1/registers/{code}/rule-sets", headers=auth())
    assert listed.status_code == 200, listed.text
    return [v["version"] for v in listed.json()["items"]]


async def own_register(client: httpx.AsyncClient, auth: Token) -> str:
    body = {"name": "Eigen CPD", "full_name": "Eigen CPD-register", "profession": "any"}
    created = await client.put("/v1/registers/EIGEN_CPD", json=body, headers=auth("admin"))
    assert created.status_code == 201, created.text
    return "EIGEN_CPD"


async def nova_rules(client: httpx.AsyncClient, auth: Token, **changes: Any) -> dict[str, Any]:
    listed = await client.get("/v1/registers/NOVA/rule-sets", headers=auth())
    return {**listed.json()["items"][-1]["rules"], **changes}


def refused(response: httpx.Response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e.get("field"), e["rule"]) for e in response.json()["errors"]]


async def test_an_unknown_register_is_a_404_naming_it(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = {"valid_from": "2024-01-01", "rules": {"unit": "hours"}, "reason": REASON}
    response = await accreditation.post("/v1/registers/XYZ/rule-sets", json=body, headers=auth())

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "XYZ" in response.json()["detail"]


@pytest.mark.parametrize(
    ("rules", "field", "rule"),
    [
        ({"cycle_years": 0}, "body.rules.cycle_years", "range"),
        ({"cycle_years": -1}, "body.rules.cycle_years", "range"),
        ({"cycle_alignment": "weekly"}, "body.rules.cycle_alignment", "enum"),
        ({"required_minutes_per_cycle": -60}, "body.rules.required_minutes_per_cycle", "range"),
    ],
)
async def test_an_impossible_cycle_is_refused_by_the_schema(
    accreditation: httpx.AsyncClient, auth: Token, rules: dict[str, Any], field: str, rule: str
) -> None:
    code = await own_register(accreditation, auth)
    body = {"valid_from": "2024-01-01", "rules": {"unit": "points", **rules}}
    response = await accreditation.post(
        f"/v1/registers/{code}/rule-sets", json=body, headers=auth()
    )

    assert (field, rule) in refused(response, 400)
    assert await versions(accreditation, auth, code) == []


@pytest.mark.parametrize(
    ("rules", "field", "rule"),
    [
        (
            {"required_points_centi_per_cycle": 1800, "cap_per_cycle_centi": 1000},
            "body.rules.required_points_centi_per_cycle",
            "within_cycle_cap",
        ),
        (
            {"required_points_centi_per_cycle": 1800, "cap_per_year_centi": 400, "cycle_years": 3},
            "body.rules.required_points_centi_per_cycle",
            "within_cycle_cap",
        ),
        (
            {"min_session_minutes": 120, "max_counted_minutes_per_session": 60},
            "body.rules.max_counted_minutes_per_session",
            "not_below_min_session",
        ),
        ({"group_min": 5, "group_max": 3}, "body.rules.group_max", "not_below_group_min"),
    ],
)
async def test_rules_no_session_or_cycle_could_meet_are_refused(
    accreditation: httpx.AsyncClient, auth: Token, rules: dict[str, Any], field: str, rule: str
) -> None:
    code = await own_register(accreditation, auth)
    body = {"valid_from": "2024-01-01", "rules": {"unit": "points", **rules}}
    response = await accreditation.post(
        f"/v1/registers/{code}/rule-sets", json=body, headers=auth()
    )

    assert refused(response, 422) == [(field, rule)]
    assert await versions(accreditation, auth, code) == []


@pytest.mark.parametrize("valid_from", ["2024-07-01", "2024-06-30"])
async def test_a_version_overlapping_the_latest_is_refused(
    accreditation: httpx.AsyncClient, auth: Token, valid_from: str
) -> None:
    code = await own_register(accreditation, auth)
    first = {"valid_from": "2024-07-01", "rules": {"unit": "hours"}}
    path = f"/v1/registers/{code}/rule-sets"
    assert (await accreditation.post(path, json=first, headers=auth())).status_code == 201

    again = {"valid_from": valid_from, "rules": {"unit": "hours", "min_session_minutes": 60}}
    response = await accreditation.post(path, json=again, headers=auth())

    assert refused(response, 422) == [("body.valid_from", "after_latest_version")]
    assert await versions(accreditation, auth, code) == [1]


async def test_an_override_overlapping_the_catalogue_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2000-01-01", "rules": rules, "reason": REASON}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert refused(response, 422) == [("body.valid_from", "after_latest_version")]
    assert await versions(accreditation, auth, "NOVA") == [1, 2]


async def test_an_override_of_a_certain_figure_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    rules = await nova_rules(
        accreditation, auth, cap_per_year_centi=600, min_session_minutes=60, group_max=12
    )
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": REASON}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert refused(response, 422) == [
        ("body.rules.min_session_minutes", "certain_figure"),
        ("body.rules.group_max", "certain_figure"),
    ]
    assert await versions(accreditation, auth, "NOVA") == [1, 2]


async def test_an_override_without_a_reason_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2024-01-01", "rules": rules}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert refused(response, 409) == [("body.reason", "override_needs_reason")]
    assert await versions(accreditation, auth, "NOVA") == [1, 2]


@pytest.mark.parametrize(("reason", "rule"), [("x" * 501, "length"), ("", "length")])
async def test_a_reason_out_of_bounds_is_refused(
    accreditation: httpx.AsyncClient, auth: Token, reason: str, rule: str
) -> None:
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": reason}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert ("body.reason", rule) in refused(response, 400)
    assert await versions(accreditation, auth, "NOVA") == [1, 2]


async def test_a_reason_of_the_limit_is_stored(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": "x" * 500}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert response.status_code == 201, response.text
    assert response.json()["reason"] == "x" * 500


async def test_a_version_reaching_back_over_judged_sessions_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    code = await own_register(accreditation, auth)
    path = f"/v1/registers/{code}/rule-sets"
    first = {"valid_from": "2024-01-01", "rules": {"unit": "hours"}}
    assert (await accreditation.post(path, json=first, headers=auth())).status_code == 201
    judged = session(attendee(registration(code, "E1")), day=date(2024, 3, 10))
    assert (await record(accreditation, auth, judged))["judgements"][0]["outcome"] == "recorded"

    stricter = {"unit": "hours", "min_session_minutes": 240}
    for valid_from in ("2024-02-01", "2024-03-10"):
        body = {"valid_from": valid_from, "rules": stricter}
        response = await accreditation.post(path, json=body, headers=auth())
        assert refused(response, 409) == [("body.valid_from", "judged_under_other_version")]
    assert await versions(accreditation, auth, code) == [1]

    later = {"valid_from": "2024-03-11", "rules": stricter}
    assert (await accreditation.post(path, json=later, headers=auth())).status_code == 201
    assert await versions(accreditation, auth, code) == [1, 2]


async def test_an_override_reaching_back_over_judged_sessions_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    judged = session(attendee(registration("NOVA", "A12345")), day=date(2024, 3, 10))
    assert (await record(accreditation, auth, judged))["judgements"][0]["outcome"] == "recorded"
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": REASON}
    response = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())

    assert refused(response, 409) == [("body.valid_from", "judged_under_other_version")]
    assert await versions(accreditation, auth, "NOVA") == [1, 2]


async def test_only_an_admin_may_add_a_version(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    rules = await nova_rules(accreditation, auth, cap_per_year_centi=600)
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": REASON}
    response = await accreditation.post(
        "/v1/registers/NOVA/rule-sets", json=body, headers=auth("facilitator")
    )

    assert response.status_code == 403
    assert await versions(accreditation, auth, "NOVA") == [1, 2]
