"""What scheduling sends to accreditation's preflight is what accreditation's published contract
accepts, and scheduling reads every answer that contract allows."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import jsonschema
import msgspec
import yaml

from services.cli import ROOT
from services.scheduling.preflight.schemas import (
    PreflightFacts,
    PreflightMember,
    PreflightRecognition,
    PreflightRegistration,
    PreflightResult,
)


def validator(component: str) -> jsonschema.protocols.Validator:
    contract = yaml.safe_load((ROOT / "contracts" / "accreditation.yaml").read_text())
    assert contract["paths"]["/preflight"]["post"]["operationId"] == "preflight"
    schema = {"$ref": f"#/components/schemas/{component}", "components": contract["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def sent(facts: PreflightFacts) -> Any:
    return msgspec.json.decode(msgspec.json.encode(facts))


def test_the_facts_scheduling_sends_match_the_contract() -> None:
    member = PreflightMember(
        person_id=uuid.uuid4(),
        registrations=[
            PreflightRegistration(register="SKJ", number="110012345", registered_on=None),
            PreflightRegistration(
                register="VAKTHERAPIE", number="VT-1", registered_on=date(2021, 5, 1)
            ),
        ],
    )
    for planned_minutes in (None, 120):
        facts = PreflightFacts(
            group_size=9,
            mode="hybrid",
            planned_minutes=planned_minutes,
            facilitator_recognitions=[PreflightRecognition(register="LVSC", role="supervisor")],
            members=[member],
        )
        errors = list(validator("PreflightIn").iter_errors(sent(facts)))
        assert errors == [], [e.message for e in errors]


def test_the_contract_refuses_what_it_must() -> None:
    assert not validator("PreflightIn").is_valid({"group_size": 9, "mode": "by letter"})


def test_scheduling_reads_every_answer_the_contract_allows() -> None:
    person_id = str(uuid.uuid4())
    answer = {
        "warnings": [
            {"register": "VAKTHERAPIE", "rule": "group_max", "message": "a group of 9"},
            {"register": "SKJ", "rule": "registered_on", "message": "…", "person_id": person_id},
        ]
    }
    assert validator("PreflightResult").is_valid(answer)
    decoded = msgspec.convert(answer, PreflightResult)
    assert [(w.register, w.rule) for w in decoded.warnings] == [
        ("VAKTHERAPIE", "group_max"),
        ("SKJ", "registered_on"),
    ]
    assert str(decoded.warnings[1].person_id) == person_id
