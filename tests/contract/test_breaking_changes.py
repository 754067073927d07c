"""The gate: no contract breaks a client of its last release (contracts/released/, ADR 0054)
unless its major version is higher. `make release-contracts` releases the current ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli import ROOT, SERVICES
from services.contracts_diff import blocking, explain, major


def load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.mark.parametrize("service", SERVICES)
def test_no_breaking_change_since_the_last_release(service: str) -> None:
    path = ROOT / "contracts" / "released" / f"{service}.yaml"
    assert path.exists(), f"{service} has no released contract: run `make release-contracts`"
    released, current = load(path), load(ROOT / "contracts" / f"{service}.yaml")
    version = current["info"]["version"]
    assert major(version) >= major(released["info"]["version"]), (
        f"{service}'s version {version} is below its release {released['info']['version']}"
    )
    changes = blocking(released, current)
    assert not changes, explain(service, changes, version=version)
