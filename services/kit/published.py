"""The published contract and the version every answer names (NL API Design Rules, ADR 0053).

The major version is the base path of every route (``/v1``): the contract's ``servers`` carry it
and its paths are relative to it, so a client joins a server URL and a path. Every answer, errors
and unrouted paths included, names the contract's full version (``info.version``) in
``API-Version``; :class:`~.observability.RequestContextMiddleware` sends it. Each service serves
its contract, the one committed in ``contracts/``, at ``/v1/openapi.json``: without a token, to
any origin.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.handlers import HTTPRouteHandler

BASE_PATH = "/v1"
"""The major version, the base path of every route of the API."""
CONTRACT_PATH = f"{BASE_PATH}/openapi.json"
VERSION_HEADER = "API-Version"
_CACHED = "published_contract"
_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options"})
_HEADER = {
    "description": "The full version of this API, the contract's `info.version`. Sent on every"
    " answer, errors included.",
    "schema": {"type": "string"},
}


def describe_versioning(document: dict[str, Any]) -> None:
    """Rebase ``document``'s paths on its servers' major version and document ``API-Version``
    on every answer of success or redirection."""
    headers = document.setdefault("components", {}).setdefault("headers", {})
    headers[VERSION_HEADER] = {**deepcopy(_HEADER), "example": document["info"]["version"]}
    for server in document.get("servers", []):
        server["url"] = server["url"].rstrip("/") + BASE_PATH
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith(f"{BASE_PATH}/"):
            raise ValueError(f"{path} is documented but not under {BASE_PATH}")
        paths[path.removeprefix(BASE_PATH)] = item
        for method, spec in item.items():
            if method not in _METHODS:
                continue
            for status, response in spec["responses"].items():
                if str(status)[0] in "23":
                    ref = {"$ref": f"#/components/headers/{VERSION_HEADER}"}
                    response["headers"] = {VERSION_HEADER: ref, **response.get("headers", {})}
    document["paths"] = paths


def nullable_formats_on_top(schema: Any) -> None:
    """Write each nullable formatted string (``oneOf``/``anyOf`` of it and ``null``) as one
    schema, ``type: [string, "null"]`` with its ``format``: the form OpenAPI 3.1 gives
    nullability, where the format of a date or date-time is seen at once (ADR 0053)."""
    if isinstance(schema, list):
        for item in schema:
            nullable_formats_on_top(item)
        return
    if not isinstance(schema, dict):
        return
    for key in ("oneOf", "anyOf"):
        variants = schema.get(key)
        if not isinstance(variants, list) or len(variants) != 2:
            continue
        values = [v for v in variants if v != {"type": "null"}]
        if len(values) == 1 and _formatted_string(values[0]):
            del schema[key]
            schema.update({**values[0], "type": ["string", "null"]})
    for value in schema.values():
        nullable_formats_on_top(value)


def _formatted_string(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "string"
        and "format" in schema
        and not {"enum", "const", "$ref"} & schema.keys()
    )


def contract_route(document: Callable[[Litestar], dict[str, Any]]) -> HTTPRouteHandler:
    """``GET /v1/openapi.json``: the app's ``document`` as JSON, built on the first request."""

    @get(CONTRACT_PATH, include_in_schema=False, sync_to_thread=False)
    def published_contract(request: Request[Any, Any, Any]) -> Response[bytes]:
        state = request.app.state
        if (body := state.get(_CACHED)) is None:
            body = state[_CACHED] = msgspec.json.encode(document(request.app))
        return Response(
            body, media_type="application/json", headers={"Access-Control-Allow-Origin": "*"}
        )

    return published_contract
