"""The NL API Design Rules, comply or explain (ADR 0053), and Redocly's ``recommended`` rules.

Each committed contract is linted with the Logius Spectral ruleset read from
``../shared/nl-api-design-rules`` next to the repository (these tests skip only when that folder
is absent): no error but those of the rules in the allowlist, each explained in the ADR. Then the
rules that need code, live on each service: ``API-Version`` on every answer, the contract at
``/v1/openapi.json`` for anyone, and 404 on a trailing slash.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.cli import ROOT, SERVICES
from tests.conftest import Token
from tests.node import run

RULES = ROOT.parent / "shared" / "nl-api-design-rules"
RULESET = RULES / "ruleset-2.2.0-rc.1.yaml"
ALLOWLIST = ROOT / "contracts" / "nl-api-design-rules-allowlist.yaml"
ADR = ROOT / "docs" / "decisions" / "0053-nl-api-design-rules.md"
ERROR = 0
"""Spectral's severity of an error (1: warning)."""
needs_rules = pytest.mark.skipif(
    not RULES.is_dir(), reason="../shared/nl-api-design-rules is absent"
)
COLLECTIONS = {
    "scheduling": "/v1/groups",
    "accreditation": "/v1/registers",
    "invoicing": "/v1/invoices",
}
"""A list each service answers an admin with 200."""


def contract_file(service: str) -> Path:
    return ROOT / "contracts" / f"{service}.yaml"


@cache
def contract(service: str) -> dict[str, Any]:
    return dict(yaml.safe_load(contract_file(service).read_text()))


def allowed() -> dict[str, str]:
    """Rule code to the reason the project does not follow it."""
    return dict(yaml.safe_load(ALLOWLIST.read_text()))


@pytest.fixture(scope="module")
def findings() -> list[dict[str, Any]]:
    """Spectral's findings over the three contracts, in one run."""
    files = [contract_file(service) for service in SERVICES]
    result = run("spectral", "lint", "-r", RULESET, *files, "-f", "json", "-q")
    assert result.returncode in (0, 1), result.stderr  # 1: it found errors
    return list(json.loads(result.stdout or "[]"))


def _misread(finding: dict[str, Any]) -> bool:
    """A finding of ``nlgov:problem-invalid-input`` at anything but an operation's responses:
    its JSONPath takes every key under ``paths`` that contains "put", "post" or "patch" for an
    operation (``postal_code`` of an example, ADR 0053)."""
    path = finding["path"]
    operation = len(path) == 4 and path[0] == "paths" and path[3] == "responses"
    return finding["code"] == "nlgov:problem-invalid-input" and not operation


def _where(finding: dict[str, Any]) -> str:
    return f"{finding['code']} at {'.'.join(map(str, finding['path']))}: {finding['message']}"


@needs_rules
@pytest.mark.parametrize("service", SERVICES)
def test_the_logius_linter_finds_no_error_outside_the_allowlist(
    service: str, findings: list[dict[str, Any]]
) -> None:
    errors = [
        f
        for f in findings
        if Path(f["source"]) == contract_file(service)
        and f["severity"] == ERROR
        and f["code"] not in allowed()
        and not _misread(f)
    ]
    assert not errors, "\n".join(map(_where, errors))


@needs_rules
def test_every_allowed_rule_is_a_rule_still_broken_and_explained(
    findings: list[dict[str, Any]],
) -> None:
    rules = yaml.safe_load(RULESET.read_text())["rules"]
    broken = {f["code"] for f in findings if f["severity"] == ERROR}
    explained = ADR.read_text()
    for code, reason in allowed().items():
        assert code in rules, f"{code} is no rule of {RULESET.name}"
        assert code in broken, f"{code} is followed now: remove it from {ALLOWLIST.name}"
        assert f"`{code}`" in explained, f"{code} is not explained in {ADR.name}"
        assert reason.strip(), f"{code} has no reason"


@pytest.mark.parametrize("service", SERVICES)
def test_redocly_recommended_finds_no_error(service: str) -> None:
    result = run(
        "redocly", "lint", "--extends=recommended", "--format=json", contract_file(service)
    )
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert not errors, json.dumps(errors, indent=1)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def clients(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"scheduling": scheduling, "accreditation": accreditation, "invoicing": invoicing}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_answer_names_the_full_version(
    clients: dict[str, httpx.AsyncClient], auth: Token, service: str
) -> None:
    client, path = clients[service], COLLECTIONS[service]
    version = contract(service)["info"]["version"]
    ok = await client.get(path, headers=auth("admin"))
    refused = await client.get(path)
    unknown = await client.get(f"{path}/nowhere/at/all", headers=auth("admin"))
    health = await client.get("/health/live")
    assert (ok.status_code, refused.status_code, unknown.status_code) == (200, 401, 404)
    for answer in (ok, refused, unknown, health):
        assert answer.headers["api-version"] == version, (answer.request.url, answer.headers)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("origin", [None, "https://elsewhere.example"])
async def test_the_contract_is_served_to_anyone(
    clients: dict[str, httpx.AsyncClient], service: str, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    answer = await clients[service].get("/v1/openapi.json", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.json() == contract(service)


@pytest.mark.parametrize("service", SERVICES)
async def test_a_trailing_slash_is_a_404_problem(
    clients: dict[str, httpx.AsyncClient], auth: Token, service: str
) -> None:
    client, path = clients[service], COLLECTIONS[service]
    for headers in (auth("admin"), {}):
        answer = await client.get(f"{path}/", headers=headers)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["api-version"] == contract(service)["info"]["version"]
        problem = answer.json()
        assert problem["instance"] == f"{path}/"
        assert path in problem["detail"]
        assert {"type", "title", "status", "detail"} <= problem.keys()
    assert (await client.get("/v1/openapi.json/")).status_code == 404


@pytest.mark.parametrize("service", SERVICES)
def test_the_problem_schema_requires_status_title_and_detail(service: str) -> None:
    problem = contract(service)["components"]["schemas"]["Problem"]
    assert {"status", "title", "detail"} <= set(problem["required"])
