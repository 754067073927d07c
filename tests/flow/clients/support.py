"""What the generated clients' flows need: the contracts as a third party reads them, a base URL
as a client builds it from a contract's server, and the tenant's token and addresses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from services.cli import ROOT, SERVICES
from tests.flow.platform import Platform

HERE = Path(__file__).parent
CONTRACTS = {name: ROOT / "contracts" / f"{name}.yaml" for name in SERVICES}


def base_url(platform: Platform, service: str) -> str:
    """Where a client of ``service`` sends its paths: the running service with the path of the
    contract's server URL (``/v1``)."""
    contract: Any = yaml.safe_load(CONTRACTS[service].read_text())
    path = urlsplit(contract["servers"][0]["url"]).path.rstrip("/")
    return platform.urls[service] + path


def flow_settings(platform: Platform, token_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    """A new tenant's admin token and the base URLs, as ``KRING_*`` variables."""
    header = token_for(uuid.uuid4(), "admin", ttl=3600)["Authorization"]
    return {
        "KRING_TOKEN": header.removeprefix("Bearer "),
        **{f"KRING_{name.upper()}_URL": base_url(platform, name) for name in SERVICES},
    }


def warnings_in(output: str) -> list[str]:
    """The lines of a generator's output that warn or fail."""
    return [
        line
        for line in output.splitlines()
        if any(word in line.lower() for word in ("warn", "error", "⚠", "skipp", "unsupported"))
    ]
