"""A client organisation's debtor and a person's billing choice, through the HTTP API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Token

from ..support import MUNICIPALITY, person_debtor
from .support import choose, link, organisation_path, person_path


async def test_a_client_organisations_debtor_is_written_in_place(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    employer = uuid.uuid4()
    first = await link(invoicing, auth(), employer, MUNICIPALITY)
    same = await link(invoicing, auth(), employer, MUNICIPALITY, status=200)
    moved = await link(
        invoicing, auth(), employer, {**MUNICIPALITY, "street": "Stadsplateau 2"}, status=200
    )

    assert first["client_organisation_id"] == str(employer)
    assert (first["released"], same["released"]) == ([], [])
    debtor = first["debtor"]
    assert (debtor["external_id"], debtor["peppol_id"]) == (None, MUNICIPALITY["peppol_id"])
    assert same["debtor"] == debtor
    assert moved["debtor"]["id"] == debtor["id"]  # the same debtor, updated
    assert moved["debtor"]["updated_at"] > debtor["updated_at"]
    read = await invoicing.get(organisation_path(employer), headers=auth())
    assert read.json() == {"client_organisation_id": str(employer), "debtor": moved["debtor"]}
    listed = (await invoicing.get("/v1/debtors", headers=auth())).json()["items"]
    assert [d["id"] for d in listed] == [debtor["id"]]
    unknown = await invoicing.get(organisation_path(uuid.uuid4()), headers=auth())
    assert unknown.status_code == 404


async def test_a_person_pays_themselves_or_their_employer_pays(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    employer = await choose(invoicing, auth(), person, {"pays": "employer"})
    own = await choose(
        invoicing,
        auth(),
        person,
        {"pays": "self", "debtor": person_debtor("A. Bakker")},
        status=200,
    )
    moved = await choose(
        invoicing,
        auth(),
        person,
        {"pays": "self", "debtor": {**person_debtor("A. Bakker"), "city": "Zeist"}},
        status=200,
    )

    assert (employer["pays"], employer["debtor"], employer["released"]) == ("employer", None, [])
    assert (own["pays"], own["debtor"]["name"], own["debtor"]["external_id"]) == (
        "self",
        "A. Bakker",
        None,
    )
    assert own["updated_at"] > employer["updated_at"]
    assert moved["debtor"]["id"] == own["debtor"]["id"]
    assert moved["updated_at"] == own["updated_at"]  # the choice stands; its debtor moved
    read = (await invoicing.get(person_path(person), headers=auth())).json()
    assert (read["pays"], read["debtor"]["city"]) == ("self", "Zeist")
    back = await choose(invoicing, auth(), person, {"pays": "employer"}, status=200)
    assert (back["pays"], back["debtor"]) == ("employer", None)
    assert (await invoicing.get(person_path(uuid.uuid4()), headers=auth())).status_code == 404


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in MUNICIPALITY.items() if k != key}


BAD_DEBTORS = [
    ({**MUNICIPALITY, "street": ""}, 400, "body.street", "length"),
    ({**MUNICIPALITY, "city": "x" * 101}, 400, "body.city", "length"),
    (_without("postal_code"), 400, "body.postal_code", "required"),
    ({**MUNICIPALITY, "kvk_number": "1234567"}, 400, "body.kvk_number", "pattern"),
    ({**MUNICIPALITY, "peppol_id": "0000000100222064700"}, 422, "body.peppol_id",
     "peppol_endpoint_format"),  # an OIN of 19 digits
    ({**MUNICIPALITY, "peppol_scheme": "0106"}, 422, "body.peppol_id", "peppol_endpoint_format"),
    (_without("peppol_scheme"), 422, "body.peppol_id", "peppol_endpoint"),
    ({**MUNICIPALITY, "peppol_scheme": "0007"}, 400, "body.peppol_scheme", "enum"),
    ({**MUNICIPALITY, "oin": "00000001002220647000"}, 400, "body.oin", "unknown_field"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "field", "rule"), BAD_DEBTORS)
async def test_bad_debtor_data_is_refused_and_changes_nothing(
    invoicing: httpx.AsyncClient,
    auth: Token,
    body: dict[str, Any],
    status: int,
    field: str,
    rule: str,
) -> None:
    employer, person = uuid.uuid4(), uuid.uuid4()
    linked = await invoicing.put(organisation_path(employer), json=body, headers=auth())
    own = await invoicing.put(
        person_path(person), json={"pays": "self", "debtor": body}, headers=auth()
    )

    assert (linked.status_code, own.status_code) == (status, status), linked.text
    assert linked.headers["content-type"].startswith("application/problem+json")
    assert (field, rule) in [(e["field"], e["rule"]) for e in linked.json()["errors"]]
    assert rule in [e["rule"] for e in own.json()["errors"]]
    assert (await invoicing.get(organisation_path(employer), headers=auth())).status_code == 404
    assert (await invoicing.get(person_path(person), headers=auth())).status_code == 404
    assert (await invoicing.get("/v1/debtors", headers=auth())).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"pays": "self"}, "body.debtor", "required"),
        ({"pays": "boss"}, "body.pays", "enum"),
        ({"pays": "employer", "debtor": person_debtor("A")}, "body.debtor", "unknown_field"),
        ({}, "body.pays", "required"),
    ],
)
async def test_a_bad_choice_is_refused_and_changes_nothing(
    invoicing: httpx.AsyncClient, auth: Token, body: dict[str, Any], field: str, rule: str
) -> None:
    person = uuid.uuid4()
    response = await invoicing.put(person_path(person), json=body, headers=auth())
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == (field, rule)
    assert (await invoicing.get(person_path(person), headers=auth())).status_code == 404


async def test_only_admins_and_facilitators_write_billing_relations(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    for role in ("participant", "registrar", "service"):
        response = await invoicing.put(
            organisation_path(uuid.uuid4()), json=MUNICIPALITY, headers=auth(role)
        )
        assert response.status_code == 403, role
    for role in ("participant", "hr"):
        response = await invoicing.put(
            person_path(uuid.uuid4()), json={"pays": "employer"}, headers=auth(role)
        )
        assert response.status_code == 403, role
    facilitator = await invoicing.put(
        organisation_path(uuid.uuid4()), json=MUNICIPALITY, headers=auth("facilitator")
    )
    assert facilitator.status_code == 201


async def test_an_hr_client_writes_and_reads_only_its_own_organisations_debtor(
    invoicing: httpx.AsyncClient, auth: Token
) -> None:
    own, other = uuid.uuid4(), uuid.uuid4()
    hr = auth("hr", client_org=str(own))
    written = await invoicing.put(organisation_path(own), json=MUNICIPALITY, headers=hr)
    assert written.status_code == 201, written.text
    assert (await invoicing.get(organisation_path(own), headers=hr)).status_code == 200
    linked = await invoicing.put(organisation_path(other), json=MUNICIPALITY, headers=auth())
    assert linked.status_code == 201
    # Another organisation's debtor, linked or not, is answered as one never linked (ADR 0082).
    for outsider in (hr, auth("hr")):
        assert (await invoicing.get(organisation_path(other), headers=outsider)).status_code == 404
        refused = await invoicing.put(organisation_path(other), json=MUNICIPALITY, headers=outsider)
        assert refused.status_code == 404
    assert (await invoicing.get(organisation_path(other), headers=auth())).json()["debtor"][
        "name"
    ] == MUNICIPALITY["name"]
