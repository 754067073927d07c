"""What each service serves as its OpenAPI document is the contract ``contracts/`` publishes:
the JSON the documentation pages read and a client downloads from a running service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from services.cli import ROOT, SERVICES


@pytest.fixture
def clients(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"scheduling": scheduling, "accreditation": accreditation, "invoicing": invoicing}


def differences(served: Any, published: Any, at: str = "") -> Iterator[str]:
    """Where the two documents differ, by JSON pointer."""
    if isinstance(served, dict) and isinstance(published, dict):
        for key in served.keys() | published.keys():
            if key not in published:
                yield f"{at}/{key}: served only"
            elif key not in served:
                yield f"{at}/{key}: published only"
            else:
                yield from differences(served[key], published[key], f"{at}/{key}")
    elif isinstance(served, list) and isinstance(published, list) and len(served) == len(published):
        for index, (one, other) in enumerate(zip(served, published, strict=True)):
            yield from differences(one, other, f"{at}/{index}")
    elif served != published:
        yield f"{at}: served {json.dumps(served)[:80]}, published {json.dumps(published)[:80]}"


@pytest.mark.parametrize("service", SERVICES)
async def test_the_served_document_is_the_committed_contract(
    clients: dict[str, httpx.AsyncClient], service: str
) -> None:
    published = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    answer = await clients[service].get("/docs/openapi.json")
    assert answer.status_code == 200, answer.text
    found = sorted(differences(answer.json(), json.loads(json.dumps(published))))
    assert not found, "\n".join(found[:20])
