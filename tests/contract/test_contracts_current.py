"""The committed contracts are what the apps generate: change an app, regenerate its contract
(the OpenAPI contract and the AsyncAPI document of its events)."""

from __future__ import annotations

import pytest

from services.cli import ROOT, SERVICES, render_contracts


@pytest.mark.parametrize("service", SERVICES)
def test_committed_contract_matches_the_app(service: str) -> None:
    for name, text in render_contracts(service).items():
        committed = (ROOT / "contracts" / name).read_text()
        assert committed == text, f"contracts/{name} is stale: run `make contracts`"
