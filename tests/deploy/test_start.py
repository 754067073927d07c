"""The rendered manifests start the services the way the code expects.

Each service is started from its rendered Deployment (command, arguments, environment
from the ConfigMap and the Secrets, container port) as a process of this checkout's
``.venv``, and probed on the paths and port its probes name. The identity provider's
JWKS URL is the one value replaced (by a local endpoint serving the test key); the
token used to call the API is minted for the issuer and audience the ConfigMap names.
Then the manifests are broken on purpose, and the same check must say so.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.cli import ROOT, SERVICES, service_module
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from tests.contract.support import base_path

from .manifests import (
    OVERLAYS,
    Check,
    Objects,
    Secrets,
    check_deployment,
    container_argv,
    container_env,
    find,
    image_config,
    of_kind,
    pod_spec,
    run_job,
    settings_variables,
    unknown_variables,
)


def first_collection(service: str) -> str:
    """A GET route of the service's contract without path parameters, e.g. /v1/registers."""
    contract = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    for path, operations in contract["paths"].items():
        if "{" not in path and "get" in operations:
            return base_path(contract) + path
    raise AssertionError(f"contracts/{service}.yaml has no parameterless GET route")


def api_check(objects: Objects, service: str, dev_key: DevKey) -> Check:
    """An admin token for the issuer and audience in the manifest's ConfigMap opens the API."""
    config = of_kind(objects, "ConfigMap")[0]["data"]
    token = mint_token(
        dev_key.private_key,
        kid=dev_key.kid,
        issuer=config.get("KRING_JWT_ISSUER", "?"),
        audience=config.get("KRING_JWT_AUDIENCE", "?"),
        org_id=uuid.uuid4(),
        subject="deploy-test",
        roles=["admin"],
        ttl_seconds=300,
    )
    path = first_collection(service)

    def check(client: httpx.Client, base: str) -> list[str]:
        response = client.get(base + path, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            return [f"{service} GET {path} with a token answered {response.status_code}"]
        return []

    return check


@pytest.fixture(scope="session")
def migration_job(
    rendered: dict[str, Objects], secret_values: Secrets, tmp_path_factory: pytest.TempPathFactory
) -> list[str]:
    """The prod Job, run as its manifest says, before any Deployment starts (as in a release).

    Its database is empty: this is the first install. A second run is the no-op an
    upgrade without new migrations is.
    """
    problems: list[str] = []
    for _ in range(2):
        problems += run_job(
            rendered["prod"],
            "kring-migrate",
            secrets=secret_values,
            workdir=tmp_path_factory.mktemp("migrate"),
        )
    return problems


@pytest.fixture(scope="session")
def start(
    secret_values: Secrets, jwks_url: str, dev_key: DevKey, migration_job: list[str]
) -> Callable[[Objects, str, Path], list[str]]:
    assert migration_job == [], "the migration Job failed: the Deployments would not be ready"

    def run(objects: Objects, service: str, workdir: Path) -> list[str]:
        return check_deployment(
            objects,
            service,
            secrets=secret_values,
            replace={"KRING_JWT_JWKS_URL": jwks_url},
            workdir=workdir,
            extra_check=api_check(objects, service, dev_key),
        )

    return run


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_starts_as_its_deployment_says(
    rendered: dict[str, Objects],
    start: Callable[[Objects, str, Path], list[str]],
    service: str,
    workdir: Path,
) -> None:
    assert start(rendered["prod"], service, workdir) == []


def test_the_migration_job_runs_as_its_manifest_says(migration_job: list[str]) -> None:
    assert migration_job == []


@pytest.mark.parametrize("service", SERVICES)
def test_each_retention_cronjob_runs_as_its_manifest_says(
    rendered: dict[str, Objects],
    secret_values: Secrets,
    migration_job: list[str],
    service: str,
    workdir: Path,
) -> None:
    """Twice, as two days' runs: the second has nothing left to remove."""
    assert migration_job == []
    for _ in range(2):
        problems = run_job(
            rendered["prod"],
            f"{service}-retention",
            kind="CronJob",
            secrets=secret_values,
            workdir=workdir,
        )
        assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_configures_what_the_code_reads(
    rendered: dict[str, Objects], secret_values: Secrets, overlay: str
) -> None:
    """Each overlay's environment resolves and parses as the service's settings would.

    Only prod is started (starting costs seconds); the overlays differ in values, and
    this is the check those values get at start: every name is read by the code, every
    referenced ConfigMap key and Secret exists, and ``load_settings`` accepts the result.
    """
    objects = rendered[overlay]
    for service in SERVICES:
        container = pod_spec(find(objects, "Deployment", service))["containers"][0]
        env, problems = container_env(container, objects, secret_values)
        problems += unknown_variables(env, settings_variables(service))
        assert problems == [], (overlay, service)
        settings = service_module(service, "config").load_settings(env)
        assert settings.service == service
        argv = container_argv(container, image_config())
        assert argv[:3] == ["kring", "serve", service], argv
    job = pod_spec(find(objects, "Job", "kring-migrate"))["containers"][0]
    env, problems = container_env(job, objects, secret_values)
    assert problems == []
    assert set(env) == {"KRING_MIGRATION_DATABASE_URL"}
    assert container_argv(job, image_config()) == ["kring", "migrate"]
    for service in SERVICES:
        cron = pod_spec(find(objects, "CronJob", f"{service}-retention"))["containers"][0]
        env, problems = container_env(cron, objects, secret_values)
        problems += unknown_variables(env, settings_variables(service))
        assert problems == [], (overlay, service)
        assert service_module(service, "config").load_settings(env).service == service
        argv = container_argv(cron, image_config())
        assert argv == ["kring", "retention", "--service", service], argv


# --- broken manifests: the same check must fail ----------------------------------------


def mutated(objects: Objects, change: Callable[[dict[str, Any]], None]) -> Objects:
    """A copy of the rendered objects with the scheduling container changed."""
    copied = copy.deepcopy(objects)
    change(pod_spec(find(copied, "Deployment", "scheduling"))["containers"][0])
    return copied


def _readiness_path(container: dict[str, Any]) -> None:
    container["readinessProbe"]["httpGet"]["path"] = "/healthz/ready"


def _container_port(container: dict[str, Any]) -> None:
    container["ports"][0]["containerPort"] += 10


def _misspelled_variable(container: dict[str, Any]) -> None:
    for var in container["env"]:
        if var["name"] == "KRING_DATABASE_URL":
            var["name"] = "KRING_DATABSE_URL"


def _missing_variable(container: dict[str, Any]) -> None:
    container["env"] = [v for v in container["env"] if v["name"] != "KRING_DATABASE_URL"]


def _wrong_secret_key(container: dict[str, Any]) -> None:
    for var in container["env"]:
        if var["name"] == "KRING_DATABASE_URL":
            var["valueFrom"]["secretKeyRef"]["key"] = "url"


def _wrong_subcommand(container: dict[str, Any]) -> None:
    container["args"] = ["serve", "schedule", *container["args"][2:]]


MUTATIONS = {
    "readiness probe path": (_readiness_path, "readinessProbe GET /healthz/ready answered 404"),
    "container port": (_container_port, "but the probes use [8111]"),
    "misspelled variable": (_misspelled_variable, "KRING_DATABSE_URL is set but the code reads"),
    "missing variable": (_missing_variable, "scheduling exited with status"),
    "wrong secret key": (_wrong_secret_key, "which is not a documented secret"),
    "wrong subcommand": (_wrong_subcommand, "scheduling exited with status 2"),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_broken_manifest_fails_the_start_check(
    rendered: dict[str, Objects],
    start: Callable[[Objects, str, Path], list[str]],
    mutation: str,
    workdir: Path,
) -> None:
    change, expected = MUTATIONS[mutation]
    problems = start(mutated(rendered["prod"], change), "scheduling", workdir)
    assert problems, f"a manifest with a wrong {mutation} passed the start check"
    assert any(expected in problem for problem in problems), problems


def test_a_misspelled_configmap_key_fails_the_start_check(
    rendered: dict[str, Objects],
    start: Callable[[Objects, str, Path], list[str]],
    workdir: Path,
) -> None:
    objects = copy.deepcopy(rendered["prod"])
    data = of_kind(objects, "ConfigMap")[0]["data"]
    data["KRING_JWT_ISUER"] = data.pop("KRING_JWT_ISSUER")
    problems = start(objects, "scheduling", workdir)
    assert any("KRING_JWT_ISUER is set but the code reads" in p for p in problems), problems


def test_a_wrong_audience_fails_the_api_check(
    rendered: dict[str, Objects],
    secret_values: Secrets,
    jwks_url: str,
    dev_key: DevKey,
    workdir: Path,
) -> None:
    """The token is minted for the manifest's audience; a service told another one refuses it."""
    objects = copy.deepcopy(rendered["prod"])
    container = pod_spec(find(objects, "Deployment", "scheduling"))["containers"][0]
    container["env"].append({"name": "KRING_JWT_AUDIENCE", "value": "someone-else"})
    problems = check_deployment(
        objects,
        "scheduling",
        secrets=secret_values,
        replace={"KRING_JWT_JWKS_URL": jwks_url},
        workdir=workdir,
        extra_check=api_check(rendered["prod"], "scheduling", dev_key),
    )
    assert any("with a token answered 401" in p for p in problems), problems
