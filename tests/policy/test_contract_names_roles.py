"""Every operation of the three published contracts names who may call it, as its service's
policy table declares it (``x-kring-roles`` and the **Who:** sentence of its description)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.cli import ROOT, service_module
from services.kit.policy import EXTENSION, Policy

SERVICES = ("scheduling", "accreditation", "invoicing")


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_names_its_roles_as_the_table_declares(service: str) -> None:
    policy: Policy = service_module(service, "policy").POLICY
    document = yaml.safe_load(Path(ROOT, "contracts", f"{service}.yaml").read_text())
    operations = {
        op["operationId"]: op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert set(operations) == set(policy.table)
    for name, operation in operations.items():
        assert operation[EXTENSION] == policy.table[name], name
        assert operation["description"].endswith(policy.sentence(policy.table[name])), name
