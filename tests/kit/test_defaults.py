"""A default is stated where generated clients type it right (kit.defaults): an optional
property's default in its description, so openapi-typescript lets a client leave it out."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from services.cli import ROOT, SERVICES
from services.kit import defaults


def test_an_optional_property_states_its_default_in_words_and_a_required_one_keeps_it() -> None:
    document: dict[str, Any] = {
        "components": {
            "schemas": {
                "GroupIn": {
                    "properties": {
                        "name": {"type": "string", "default": "Groep"},
                        "max_absences": {"type": "integer", "default": 1},
                        "code": {"type": "string", "default": "0190", "description": "Scheme."},
                        "size": {
                            "type": "object",
                            "properties": {"min": {"type": "integer", "default": None}},
                        },
                    },
                    "required": ["name"],
                }
            }
        }
    }
    defaults.described(document)
    properties = document["components"]["schemas"]["GroupIn"]["properties"]
    assert properties["name"] == {"type": "string", "default": "Groep"}
    assert properties["max_absences"] == {"type": "integer", "description": "Default: `1`."}
    assert properties["code"] == {"type": "string", "description": 'Scheme. Default: `"0190"`.'}
    assert properties["size"]["properties"]["min"] == {
        "type": "integer",
        "description": "Default: `null`.",
    }


def _optional_defaults(node: Any, where: str = "") -> list[str]:
    if isinstance(node, list):
        return [found for item in node for found in _optional_defaults(item, where)]
    if not isinstance(node, dict):
        return []
    found = [
        f"{where}.{name}"
        for name, prop in (node.get("properties") or {}).items()
        if isinstance(prop, dict) and "default" in prop and name not in node.get("required", [])
    ]
    return found + [f for k, v in node.items() for f in _optional_defaults(v, f"{where}/{k}")]


@pytest.mark.parametrize("service", SERVICES)
def test_no_contract_gives_an_optional_property_a_default(service: str) -> None:
    contract = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    assert _optional_defaults(contract["components"]["schemas"]) == []
