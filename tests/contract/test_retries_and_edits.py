"""Idempotency-Key and If-Match on every operation of the three contracts, read from the
committed contracts (not a hand-picked list): a POST replayed with its key answers the stored
answer, marked; a stale If-Match is a 412 that changes nothing."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import Token

from .support import base_path

CONTRACTS = Path(__file__).parents[2] / "contracts"
SERVICES = ("scheduling", "accreditation", "invoicing")
ROLES = ("admin", "facilitator", "participant", "hr", "registrar", "service")


@dataclass(frozen=True)
class Case:
    """One operation of a contract."""

    service: str
    method: str
    path: str
    spec: dict[str, Any]


def _operations(service: str) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    document = yaml.safe_load((CONTRACTS / f"{service}.yaml").read_text())
    paths = {base_path(document) + path: item for path, item in document["paths"].items()}
    reads = {path for path, item in paths.items() if "get" in item}
    found = []
    for path, item in paths.items():
        for method, spec in item.items():
            segments = path.split("/")
            prefixes = ("/".join(segments[:n]) for n in range(len(segments), 1, -1))
            resource = next((p for p in prefixes if p in reads and "{" in p), None)
            found.append((method, path, spec, {resource} if resource else set()))
    return found


def _cases(kind: str) -> list[Any]:
    cases = []
    for service in SERVICES:
        for method, path, spec, resource in _operations(service):
            if (kind == "post" and method == "post" and spec.get("security") != [{}]) or (
                kind == "write" and method in {"put", "post", "delete"} and resource
            ):
                case = Case(service, method, path, spec)
                cases.append(pytest.param(case, id=f"{service} {method} {path}"))
    return cases


def _concrete(path: str, spec: dict[str, Any]) -> str:
    for parameter in spec.get("parameters", []):
        if parameter["in"] == "path":
            fmt = parameter["schema"].get("format")
            value = str(uuid.uuid4()) if fmt == "uuid" else f"ZZ{secrets.token_hex(3).upper()}"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _header_names(spec: dict[str, Any]) -> set[str]:
    return {p["name"] for p in spec.get("parameters", []) if p["in"] == "header"}


@pytest.fixture
def clients(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"scheduling": scheduling, "accreditation": accreditation, "invoicing": invoicing}


def _send(client: httpx.AsyncClient, method: str, url: str, spec: dict, headers: dict) -> Any:
    body = {"json": {}} if "requestBody" in spec else {}
    return client.request(method.upper(), url, headers=headers, **body)


@pytest.mark.parametrize("case", _cases("post"))
async def test_a_post_replayed_with_its_key_answers_the_stored_answer(
    clients: dict[str, httpx.AsyncClient], auth: Token, case: Case
) -> None:
    service, method, path, spec = astuple(case)
    assert "Idempotency-Key" in _header_names(spec)
    assert "422" in spec["responses"]
    url = _concrete(path, spec)
    headers = {**auth(*ROLES, person=str(uuid.uuid4())), "Idempotency-Key": secrets.token_hex(12)}
    first = await _send(clients[service], method, url, spec, headers)
    again = await _send(clients[service], method, url, spec, headers)
    assert first.status_code < 500 and first.status_code not in (401, 403), first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other = await clients[service].post(url + "?", headers=headers, content=b'{"x": 1}')
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"


@pytest.mark.parametrize("case", _cases("write"))
async def test_a_stale_if_match_is_a_412(
    clients: dict[str, httpx.AsyncClient], auth: Token, case: Case
) -> None:
    service, method, path, spec = astuple(case)
    assert "If-Match" in _header_names(spec)
    assert "412" in spec["responses"]
    headers = {**auth(*ROLES), "If-Match": '"stale"'}
    stale = await _send(clients[service], method, _concrete(path, spec), spec, headers)
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["errors"][0]["field"] == "header.If-Match"
