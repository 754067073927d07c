"""One validation of registration numbers: scheduling refuses (422, rule
``registration_number``) every number accreditation would not hold, and accepts every one it
would. Accreditation's side is read from its committed contract, never from its code."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from services.cli import ROOT
from services.scheduling.people import rules
from services.scheduling.people.schemas import Registration
from tests.conftest import Token

ACCEPTED = ["110012345", "00123456", "S-1", "LVSC-0042", "a", "9", "A.B/C-1", "x" * 32]
REFUSED = [
    "12 345",
    " 12345",
    "12345 ",
    "-1",
    ".5",
    "/x",
    "x" * 33,
    "12345\n",
    "1_2",
    "1,2",
    "#1",
    "é1",
    "1é",
    "12\u00a0345",
]


@cache
def accreditation_patterns() -> frozenset[str]:
    """Every pattern accreditation's contract gives a registration number: the ``number`` of
    its registration schemas and its ``registration_number`` parameters."""
    contract = yaml.safe_load((ROOT / "contracts" / "accreditation.yaml").read_text())
    found = {
        schema["properties"]["number"]["pattern"]
        for name, schema in contract["components"]["schemas"].items()
        if name.startswith("Registration") and "number" in schema.get("properties", {})
    }
    for path in contract["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "registration_number":
                    found |= set(_patterns(parameter["schema"]))
    return frozenset(found)


def _patterns(schema: dict[str, Any]) -> list[str]:
    own = [schema["pattern"]] if "pattern" in schema else []
    return own + [p for sub in schema.get("oneOf", []) for p in _patterns(sub)]


def accreditation_accepts() -> re.Pattern[str]:
    """The contract's pattern as JSON Schema means it: ``$`` is the very end of the string
    (Python's ``$`` would also match before a final newline)."""
    (pattern,) = accreditation_patterns()
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return re.compile(pattern[1:-1])


def test_accreditation_publishes_one_pattern_for_a_registration_number() -> None:
    assert len(accreditation_patterns()) == 1, accreditation_patterns()


@pytest.mark.parametrize("number", ACCEPTED + REFUSED)
def test_scheduling_accepts_what_accreditation_accepts(number: str) -> None:
    expected = accreditation_accepts().fullmatch(number) is not None
    assert expected == (number in ACCEPTED), "the samples say what accreditation does"
    assert rules.number_accepted(number) == expected


@given(st.text(alphabet="aZ09./-_ ,#é\n\t", max_size=40))
def test_the_two_rules_agree_on_any_number(number: str) -> None:
    assert rules.number_accepted(number) == bool(accreditation_accepts().fullmatch(number))


def test_the_rule_names_the_field_and_the_rule() -> None:
    registrations = [
        Registration(register="SKJ", number="110012345"),
        Registration(register="NIP", number="12 345"),
    ]
    errors = rules.registration_errors(registrations, at="body.items[2]")
    assert [(e.field, e.rule) for e in errors] == [
        ("body.items[2].registrations[1].number", "registration_number")
    ]


def refused(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def test_the_single_upsert_refuses_a_number_accreditation_would_drop(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {
        "given_name": "Anna",
        "family_name": "de Vries",
        "registrations": [{"register": "SKJ", "number": "12 345"}],
    }
    response = await scheduling.put("/v1/people/by-external-id/n-1", json=body, headers=auth())
    assert refused(response) == [("body.registrations[0].number", "registration_number")]
    missing = await scheduling.get("/v1/people/by-external-id/n-1", headers=auth())
    assert missing.status_code == 404


async def test_the_batch_names_each_item_with_a_refused_number(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    def item(external_id: str, number: str) -> dict[str, Any]:
        registrations = [
            {"register": "NIP", "number": "00123456"},
            {"register": "SKJ", "number": number},
        ]
        return {
            "external_id": external_id,
            "given_name": "A",
            "family_name": external_id,
            "registrations": registrations,
        }

    response = await scheduling.post(
        "/v1/people/batch",
        json={"items": [item("n-1", "110012345"), item("n-2", "12 345"), item("n-3", "-7")]},
        headers=auth(),
    )
    assert refused(response) == [
        ("body.items[1].registrations[1].number", "registration_number"),
        ("body.items[2].registrations[1].number", "registration_number"),
    ]
    page = (await scheduling.get("/v1/people", headers=auth())).json()
    assert page["items"] == [], "a refused batch stores nothing"
