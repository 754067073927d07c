"""The committed contracts as a client reads them: the operation of a request, and the rules
its 422 lists.

:func:`check_refusal` is a response hook of every in-process client of the suite
(``tests/conftest.py``): a 422 that names a rule its operation does not list in the contract
fails the request, so every test that meets a rule also proves the contract names it there.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from services.cli import ROOT, SERVICES
from services.kit import refusals


@cache
def contract(service: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    return loaded


@cache
def _templates(service: str) -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    """Each path of the contract as a pattern, a literal path before a templated one."""
    document = contract(service)
    base = urlsplit(document["servers"][0]["url"]).path.rstrip("/")
    paths = sorted(document["paths"].items(), key=lambda item: item[0].count("{"))
    return [
        (re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base + template))), item)
        for template, item in paths
    ]


def operation(service: str, method: str, path: str) -> dict[str, Any] | None:
    """The contract's operation of ``method path`` (a path as requested, base path and all)."""
    for pattern, item in _templates(service):
        if pattern.fullmatch(path) and method.lower() in item:
            found: dict[str, Any] = item[method.lower()]
            return found
    return None


def listed_rules(op: dict[str, Any]) -> list[str]:
    """The rules the 422 of ``op`` lists (none when it has no 422)."""
    refused = op["responses"].get("422")
    return refusals.listed(refused["description"]) if refused else []


async def check_refusal(answer: httpx.Response) -> None:
    """Fail a 422 of a Kring service whose rules its operation's contract does not list."""
    service = answer.request.url.host
    if answer.status_code != 422 or service not in SERVICES:
        return
    await answer.aread()
    request = answer.request
    op = operation(service, request.method, request.url.path)
    if op is None:
        return  # not in the contract at all: the contract tests catch that
    rules = {error["rule"] for error in answer.json().get("errors", [])}
    if unlisted := rules - set(listed_rules(op)):
        raise AssertionError(
            f"{request.method} {request.url.path} answered 422 naming {sorted(unlisted)}, which"
            f" {op['operationId']} does not list in contracts/{service}.yaml"
        )
