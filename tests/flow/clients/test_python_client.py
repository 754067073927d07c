"""An HR integrator's client, from the contracts alone: openapi-python-client generates one per
contract, with no warning and no model dropped, into a temporary folder; the flow runs with the
scheduling and invoicing clients against the three services."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.flow.clients.support import CONTRACTS, HERE, flow_settings, warnings_in
from tests.flow.platform import Platform
from tests.node import environment

FLOW = "tests.flow.clients.python_flow"
"""The flow, a module that imports the generated clients."""


def generate(service: str, folder: Path) -> str:
    """The client of ``service``'s contract, generated as the package ``kring_<service>``."""
    package = f"kring_{service}"
    generated = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(CONTRACTS[service]),
            "--meta",
            "none",
            "--config",
            str(HERE / "python-client.yaml"),
            "--output-path",
            str(folder / package),
        ],
        env=environment(),  # ruff (the generator formats its code with it) on PATH
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert warnings_in(output) == [], f"openapi-python-client warns on {service}:\n{output}"
    return package


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """The three clients, generated once, importable while the tests use them."""
    tmp_path = tmp_path_factory.mktemp("clients")
    packages = [generate(service, tmp_path) for service in CONTRACTS]
    sys.path.insert(0, str(tmp_path))
    try:
        yield packages
    finally:
        sys.path.remove(str(tmp_path))
        generated = [m for m in sys.modules if m.split(".")[0] in packages]
        for name in [*generated, FLOW]:
            sys.modules.pop(name, None)


def test_every_client_has_every_schema(clients: list[str]) -> None:
    """No schema is dropped: each component schema of a contract is a model of its client."""
    import yaml

    for package, contract in zip(clients, CONTRACTS.values(), strict=True):
        models = importlib.import_module(f"{package}.models")
        schemas = yaml.safe_load(contract.read_text())["components"]["schemas"]
        # The generator appends "_" to a name Python has built in (`Warning_`).
        missing = [n for n in schemas if not (hasattr(models, n) or hasattr(models, n + "_"))]
        assert missing == [], f"{package} lacks {missing}"


def test_the_python_client_runs_the_flow(
    clients: list[str], platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    flow = importlib.import_module(FLOW)
    assert flow.run(flow_settings(platform, token_for)) == {"sessions": 5, "invoices": 3}
