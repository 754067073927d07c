"""deploy/Dockerfile, checked statically (no Docker here; hadolint is not available).

Multi-stage, pinned bases, installed from uv.lock, a non-root user, nothing to build
with in the final stage, and entrypoints that the ``kring`` CLI really has and that
the Kubernetes manifests really run.
"""

from __future__ import annotations

import argparse
import re
import shlex
import tomllib
from typing import Any

import pytest

import services.cli as cli

from .manifests import (
    DEPLOY,
    DOCKERFILE,
    ROOT,
    Objects,
    container_argv,
    find,
    image_config,
    parse_dockerfile,
    pod_spec,
)

STAGES = parse_dockerfile(DOCKERFILE.read_text())
FINAL = STAGES[-1]
IMAGE = image_config()
INSTALLS = re.compile(
    r"apt-get install|apt install|apk add|pip install|uv (sync|pip)|"
    r"\b(gcc|g\+\+|make|build-essential|clang|cargo|curl|wget|git)\b"
)


def test_the_image_is_built_in_stages() -> None:
    names = [stage.name for stage in STAGES]
    assert len(STAGES) >= 2, "a build stage and a runtime stage"
    assert len(set(names)) == len(names), "stage names are unique"
    assert any(src.startswith("--from=") for src in FINAL.all("COPY")), (
        "the final stage takes the built environment from an earlier stage"
    )


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name or s.base)
def test_every_base_image_is_pinned(stage: Any) -> None:
    base = stage.base
    if base in {s.name for s in STAGES}:
        return  # an earlier stage of this file
    assert "$" not in base, "a literal base, so that scanners see the pinned version"
    name, _, digest = base.partition("@")
    if digest:
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), base
        return
    tag = name.rpartition(":")[2] if ":" in name.rpartition("/")[2] else ""
    assert re.match(r"\d+\.\d+\.\d+", tag), f"{base}: pin a full version (or a digest)"


def test_the_runtime_uses_the_same_base_as_the_build() -> None:
    """The environment's interpreter is a symlink into the base image: same base, same path."""
    build = next(stage for stage in STAGES if stage.name == "build")
    assert FINAL.base == build.base


def test_uv_is_the_makefiles_version() -> None:
    makefile = (ROOT / "Makefile").read_text()
    version = re.search(r"^UV_VERSION\s*:=\s*(\S+)", makefile, re.M)
    assert version
    uv = next(stage for stage in STAGES if stage.name == "uv")
    assert uv.base == f"ghcr.io/astral-sh/uv:{version.group(1)}"


def test_the_environment_is_installed_from_the_lock_without_dev_dependencies() -> None:
    build = next(stage for stage in STAGES if stage.name == "build")
    syncs = [args for args in build.all("RUN") if args.startswith("uv sync")]
    assert syncs, "uv sync installs the environment"
    for args in syncs:
        flags = shlex.split(args)
        assert "--frozen" in flags, "exactly what uv.lock pins"
        assert "--no-dev" in flags, "no test or lint tools in the image"
    copied = " ".join(build.all("COPY"))
    assert "uv.lock" in copied and "pyproject.toml" in copied


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    assert IMAGE.user is not None, "USER in the final stage"
    user = IMAGE.user.split(":")[0]
    assert user not in {"0", "root"}
    assert user.isdigit() and int(user) >= 10000, "a numeric UID (runAsNonRoot can verify it)"


def test_no_build_tools_reach_the_final_stage() -> None:
    for keyword, args in FINAL.instructions:
        if keyword == "COPY":
            assert "--from=uv" not in args and "/uv" not in args, args
            assert "--from=build" not in args or "/app/.venv" in args, (
                f"only the environment comes from the build stage: {args}"
            )
        if keyword == "RUN":
            assert not INSTALLS.search(args), f"the final stage installs nothing: {args}"


def test_the_entrypoint_is_the_kring_cli() -> None:
    assert IMAGE.entrypoint == ["kring"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kring"] == "services.cli:main"
    assert IMAGE.env["PATH"].startswith("/app/.venv/bin:")


def entrypoints() -> dict[str, list[str]]:
    prefix = "io.kring.entrypoint."
    return {
        key[len(prefix) :]: shlex.split(value)
        for key, value in IMAGE.labels.items()
        if key.startswith(prefix)
    }


def test_there_is_one_entrypoint_per_service_and_one_for_migrations() -> None:
    assert set(entrypoints()) == {*cli.SERVICES, "migrate"}


@pytest.mark.parametrize("name", [*cli.SERVICES, "migrate"])
def test_each_entrypoint_is_a_command_of_services_cli(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's own parser accepts it and dispatches to the command it names."""
    argv = entrypoints()[name]
    assert argv[0] == "kring"
    called: dict[str, argparse.Namespace] = {}
    for command in ("cmd_serve", "cmd_migrate", "cmd_run", "cmd_token", "cmd_contracts"):
        monkeypatch.setattr(cli, command, lambda args, c=command: called.setdefault(c, args) and 0)
    assert cli.main(argv[1:]) == 0
    if name == "migrate":
        assert set(called) == {"cmd_migrate"}
        assert called["cmd_migrate"].services == []
    else:
        assert set(called) == {"cmd_serve"}
        args = called["cmd_serve"]
        assert args.service == name
        assert args.host == "0.0.0.0", "reachable from outside the container"
        assert args.port == cli.service_module(name, "config").PORT
        assert args.workers == 1, "one process per pod: scale by replicas"


@pytest.mark.parametrize("name", [*cli.SERVICES, "migrate"])
def test_the_manifests_run_the_images_entrypoints(rendered: dict[str, Objects], name: str) -> None:
    for overlay, objects in rendered.items():
        if name == "migrate":
            workload = find(objects, "Job", "kring-migrate")
        else:
            workload = find(objects, "Deployment", name)
        container = pod_spec(workload)["containers"][0]
        assert container_argv(container, IMAGE) == entrypoints()[name], overlay


def test_the_build_context_keeps_local_state_out() -> None:
    """deploy/Dockerfile.dockerignore (BuildKit's per-Dockerfile ignore file)."""
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    ignore = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*", "everything is excluded unless listed"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert ".kring" not in allowed and ".venv" not in allowed
    assert allowed == {"pyproject.toml", "uv.lock", "README.md", "services"}
    copied = {
        part.rstrip("/").removeprefix("./")
        for stage in STAGES
        for args in stage.all("COPY")
        if not args.startswith("--from")
        for part in shlex.split(args)[:-1]
    }
    assert copied <= allowed, copied - allowed


def test_the_parser_reads_exec_forms_only() -> None:
    """A shell-form ENTRYPOINT would run under /bin/sh, which does not pass SIGTERM on."""
    stages = parse_dockerfile("FROM python:3.11.14-slim AS x\nENTRYPOINT kring serve\n")
    with pytest.raises(ValueError):
        image_config("FROM python:3.11.14-slim AS x\nENTRYPOINT kring serve\n")
    assert stages[0].last("ENTRYPOINT") == "kring serve"
    assert INSTALLS.search("apt-get install -y gcc")
