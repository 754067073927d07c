"""Every authenticated operation of the three committed contracts documents the rate limits:
its 429 (problem+json, with ``Retry-After``) and the ``RateLimit-Policy`` and ``RateLimit``
headers of its answers of success. Read from ``contracts/*.yaml``, not a hand-picked list."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from services.cli import ROOT, SERVICES

METHODS = ("get", "put", "post", "patch", "delete")
LIMITS = {"RateLimit-Policy", "RateLimit"}


def _authenticated(service: str) -> list[tuple[str, dict[str, Any]]]:
    document = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    default = document.get("security", [])
    return [
        (f"{method.upper()} {path}", spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in METHODS and spec.get("security", default)
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_every_authenticated_operation_documents_429_and_the_limit_headers(service: str) -> None:
    operations = _authenticated(service)
    assert operations, f"{service} documents no authenticated operation"
    for name, spec in operations:
        refused = spec["responses"].get("429")
        assert refused is not None, f"{name} does not document 429"
        assert set(refused["content"]) == {"application/problem+json"}, name
        assert set(refused["headers"]) == LIMITS | {"Retry-After"}, name
        for status, answer in spec["responses"].items():
            if str(status).startswith("2"):
                assert LIMITS <= set(answer.get("headers", {})), f"{name} {status}"
