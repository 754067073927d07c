"""The committed contracts are what the apps generate: change an app, regenerate its contract."""

from __future__ import annotations

import pytest

from services.cli import ROOT, SERVICES, render_contract


@pytest.mark.parametrize("service", SERVICES)
def test_committed_contract_matches_the_app(service: str) -> None:
    committed = (ROOT / "contracts" / f"{service}.yaml").read_text()
    assert committed == render_contract(service), (
        f"contracts/{service}.yaml is stale: run `make contracts`"
    )
