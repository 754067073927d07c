"""Input refused as the kit promises, before any work: the limits, the wire names, the decoding
that converts nothing, and the schemas it will decode (tests/contract/test_guarantees.py walks
every operation; these are the kit's own cases)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest
from litestar import post
from litestar.params import JSONBody

from services.cli import service_module
from services.kit.app import create_service_app
from services.kit.principal import Principal
from services.kit.schemas import Inbound
from services.kit.settings import Settings
from services.kit.strict import MAX_DEPTH, schema_depth
from tests.conftest import Token
from tests.kit.support import admin_policy


class Leaf(Inbound):
    n: int


class Branch(Inbound):
    leaves: list[Leaf]
    by_name: dict[str, Leaf] = msgspec.field(default_factory=dict)


class Loose(Inbound):
    anything: Any


class Tree(Inbound):
    children: list[Tree] = msgspec.field(default_factory=list)


def test_a_schema_nests_as_deep_as_its_structs_and_containers() -> None:
    assert schema_depth(int) == 0
    assert schema_depth(Leaf) == 1
    assert schema_depth(Branch) == 3
    assert schema_depth(list[Branch] | None) == 4


@pytest.mark.parametrize("unbounded", [Loose, Tree, list[Any], dict[str, object]])
def test_any_or_recursion_nests_without_limit(unbounded: Any) -> None:
    assert schema_depth(unbounded) > MAX_DEPTH


def test_an_app_refuses_to_start_with_a_body_it_cannot_bound(
    settings_for: Callable[..., Settings],
) -> None:
    @post("/v1/loose", operation_id="postLoose")
    async def loose(data: JSONBody[Loose]) -> None:
        return None

    config = service_module("scheduling", "config")
    with pytest.raises(TypeError, match="at most 64 levels"):
        create_service_app(
            settings_for("scheduling"),
            schema=config.SCHEMA,
            title="t",
            version="0",
            description="",
            port=0,
            route_handlers=[loose],
            migrations=config.MIGRATIONS,
            principal_type=Principal,
            policy=admin_policy("postLoose"),
            signature_namespace={"Loose": Loose},
        )


async def test_nested_errors_name_the_field_by_its_wire_path(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    item = {"external_id": "a", "given_name": "A", "family_name": "B"}
    response = await scheduling.post(
        "/v1/people/batch", json={"items": [item, {**item, "bsn": "123"}]}, headers=auth()
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "body.items[1].bsn",
            "rule": "unknown_field",
            "message": "Object contains unknown field `bsn`",
        }
    ]


async def test_a_whole_number_written_with_a_fraction_is_that_integer(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """JSON Schema's `integer` is any whole number, `2.0` too: what the contract allows is
    taken. A fraction, or a number written as a string, is still a `type` error."""
    body = {"key": "drie-stappen", "name": "Drie stappen", "minutes": 60.0, "steps": ["a"]}
    made = await scheduling.post("/v1/methods", json=body, headers=auth())
    assert made.status_code == 201, made.text
    assert made.json()["minutes"] == 60
    for minutes in (60.5, "60"):
        refused = await scheduling.post(
            "/v1/methods", json={**body, "key": "vier-stappen", "minutes": minutes}, headers=auth()
        )
        assert refused.status_code == 400
        assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
            ("body.minutes", "type")
        ]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b'{"given_name": "A", "family_name": "B"', "syntax"),
        (b'{"given_name": "A", "family_name": "B"} x', "syntax"),
        (b'{"given_name": "\xc3\x28", "family_name": "B"}', "encoding"),
        (b"[" * 100_000 + b"]" * 100_000, "type"),
    ],
)
async def test_a_broken_body_is_400_never_500(
    scheduling: httpx.AsyncClient, auth: Token, body: bytes, rule: str
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/p",
        content=body,
        headers={**auth(), "content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("body", rule)]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=latin-1", "application/jsonx", "text/json"]
)
async def test_json_is_utf8_application_json_only(
    scheduling: httpx.AsyncClient, auth: Token, content_type: str
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/p",
        content=b'{"given_name": "A", "family_name": "B"}',
        headers={**auth(), "content-type": content_type},
    )
    assert response.status_code == 415
    assert response.json()["type"] == "urn:kring:problem:unsupported-media-type"


async def test_an_empty_body_is_400_where_one_is_taken(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/p", headers={**auth(), "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "body",
        "rule": "required",
        "message": "a JSON body is required",
    }


async def test_a_query_parameter_is_named_as_sent(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.get("/v1/sessions", params={"from": "soon"}, headers=auth())
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("query.from", "format")]


async def test_a_malformed_id_is_400_and_an_unknown_path_still_404(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    malformed = await scheduling.get("/v1/sessions/nope", headers=auth())
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "path.session_id"
    unknown = await scheduling.get(f"/v1/sessions/{uuid.uuid4()}/nowhere", headers=auth())
    assert unknown.status_code == 404


async def test_headers_over_the_limit_are_431_before_anything_else(
    scheduling: httpx.AsyncClient,
) -> None:
    response = await scheduling.get("/v1/people", headers={"x-padding": "x" * 17_000})
    assert response.status_code == 431  # not 401: nothing else ran
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    below = await scheduling.get("/health/live", headers={"x-padding": "x" * 15_000})
    assert below.status_code == 200


async def test_a_route_s_own_cache_control_is_kept(scheduling: httpx.AsyncClient) -> None:
    for path in ("/health/live", "/metrics"):
        response = await scheduling.get(path)
        assert "cache-control" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_cors_lets_the_configured_origins_in(settings_for: Callable[..., Settings]) -> None:
    settings = settings_for("scheduling", cors_origins=("http://localhost:*",))
    app = service_module("scheduling", "app").create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scheduling") as client:
        preflight = await client.options(
            "/v1/people",
            headers={
                "origin": "http://localhost:5173",
                "access-control-request-method": "GET",
                "access-control-request-headers": "authorization",
            },
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
        answer = await client.get("/health/live", headers={"origin": "http://localhost:5173"})
        assert "x-request-id" in answer.headers["access-control-expose-headers"]
        elsewhere = await client.get("/health/live", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in elsewhere.headers
