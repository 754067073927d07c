"""Helpers the contract tests share: where a contract's paths are served, and the schema of
an event type's message in a service's AsyncAPI document."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml

from services.cli import ROOT


def base_path(document: dict[str, Any]) -> str:
    """The path of the contract's server URL (``/v1``), under which its ``paths`` are served."""
    return urlsplit(document["servers"][0]["url"]).path.rstrip("/")


@cache
def _asyncapi(service: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (ROOT / "contracts" / f"{service}.asyncapi.yaml").read_text()
    )
    return document


def message_validator(service: str, event_type: str) -> jsonschema.Draft202012Validator:
    """A validator of the body of ``event_type``'s message in ``service``'s AsyncAPI document."""
    document = _asyncapi(service)
    messages = document["components"]["messages"].values()
    (payload,) = [m["payload"] for m in messages if m["name"] == event_type]
    return jsonschema.Draft202012Validator({**payload, "components": document["components"]})
