"""A frontend team's client, from the contracts alone: openapi-typescript's types (its
defaults), openapi-fetch, `tsc --strict` with no error and no warning, and the flow run with node
against the three services."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.flow.clients.support import CONTRACTS, HERE, flow_settings, warnings_in
from tests.flow.platform import Platform
from tests.node import BIN, node, run


def build(project: Path) -> Path:
    """Types from each contract, the flow beside them, compiled; the flow's JavaScript."""
    (project / "node_modules").symlink_to(BIN.parent)
    (project / "package.json").write_text(json.dumps({"type": "module", "private": True}))
    for source in ("flow.ts", "tsconfig.json"):
        (project / source).write_text((HERE / source).read_text())
    for name, contract in CONTRACTS.items():
        generated = run("openapi-typescript", contract, "-o", project / f"{name}.ts", cwd=project)
        output = generated.stdout + generated.stderr
        assert generated.returncode == 0, output
        assert warnings_in(output) == [], f"openapi-typescript warns on {name}:\n{output}"
    compiled = run("tsc", "-p", project / "tsconfig.json", cwd=project)
    assert (compiled.returncode, compiled.stdout + compiled.stderr) == (0, ""), compiled.stdout
    return project / "out" / "flow.js"


def test_the_typescript_client_runs_the_flow(
    platform: Platform, token_for: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    flow = build(tmp_path)
    ran = node(flow, json.dumps(flow_settings(platform, token_for)), cwd=tmp_path, timeout=180)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout.strip().splitlines()[-1]) == {"sessions": 5, "invoices": 3}
