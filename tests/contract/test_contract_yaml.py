"""The committed contracts read the same in every YAML parser: a YAML 1.2 reader (js-yaml, as
JavaScript OpenAPI tools use) gets exactly the document PyYAML (YAML 1.1) gets."""

from __future__ import annotations

import json

import yaml

from services.cli import ROOT, SERVICES
from tests.node import JS_YAML_SCHEMAS, js_yaml


def test_js_yaml_reads_each_contract_as_pyyaml_does() -> None:
    for service in SERVICES:
        text = (ROOT / "contracts" / f"{service}.yaml").read_text()
        # json.dumps refuses what JSON has no word for (a date, a timestamp): none may be left.
        expected = json.loads(json.dumps(yaml.safe_load(text)))
        read = js_yaml(text)
        for schema in JS_YAML_SCHEMAS:
            assert read[schema] == expected, f"{service}: js-yaml's {schema} reads otherwise"
