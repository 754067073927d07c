"""What every operation of the three committed contracts guarantees, checked over every operation
they list (read from ``contracts/*.yaml``, not a hand-picked list), on the apps in-process:

- the kit's own answers are documented: 400, 404, 431 and 503 everywhere, 401 and 403 where a
  token is needed, and 413 and 415 where a body is taken;
- every answer carries ``X-Content-Type-Options: nosniff`` and ``Cache-Control: no-store``
  (the docs ``frame-ancestors 'none'`` instead);
- a body sent as anything but ``application/json`` is a 415; a body to an operation that takes
  none is a 400;
- deep JSON and invalid UTF-8 are 400s naming the body, never 500s;
- a number sent as a string is a 400 naming the field by its wire name, rule ``type``;
- a malformed path id is a 400 naming its parameter, a bad query value a 400 naming the
  parameter as the contract does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest
import yaml

from services.cli import ROOT, SERVICES
from tests.conftest import Token

from .support import base_path

ROLES = ("admin", "facilitator", "participant", "hr", "registrar", "service")
METHODS = ("get", "put", "post", "patch", "delete")


class Operation(NamedTuple):
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.spec.get("parameters", []))

    def url(self, **values: str) -> str:
        """The path with each parameter filled: ``values`` first, else a value of its type."""
        url = base_path(self.document) + self.path
        for parameter in self.parameters:
            if parameter["in"] == "path":
                name = parameter["name"]
                fill = str(uuid.uuid4()) if parameter["schema"].get("format") == "uuid" else "XX1"
                url = url.replace("{" + name + "}", values.get(name, fill))
        return url

    def body_schema(self) -> dict[str, Any]:
        return self.resolve(self.spec["requestBody"]["content"]["application/json"]["schema"])

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema


def _operations() -> list[Operation]:
    found = []
    for service in SERVICES:
        document = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
        for path, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    found.append(Operation(service, method, path, item[method], document))
    return found


OPERATIONS = _operations()
TAKING_BODY = [op for op in OPERATIONS if "requestBody" in op.spec]
BODILESS = [op for op in OPERATIONS if "requestBody" not in op.spec]


def _walk(op: Operation, schema: dict[str, Any], path: str, depth: int = 0) -> Iterator[Any]:
    """Each leaf of a body schema as (wire path, leaf schema, the smallest body reaching it)."""
    schema = op.resolve(schema)
    if depth > 6:
        return
    for variant in schema.get("oneOf", schema.get("anyOf", [])):
        if op.resolve(variant).get("type") != "null":
            yield from _walk(op, variant, path, depth + 1)
            return
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        for name, inner in schema["properties"].items():
            for where, leaf, value in _walk(op, inner, f"{path}.{name}", depth + 1):
                yield where, leaf, {name: value}
    elif kind == "array" and "items" in schema:
        for where, leaf, value in _walk(op, schema["items"], f"{path}[0]", depth + 1):
            yield where, leaf, [value]
    elif kind is not None:
        yield path, schema, None


def _first_leaf(op: Operation, wanted: Any) -> tuple[str, dict[str, Any], Any] | None:
    """The first leaf of ``op``'s body that ``wanted`` picks: its wire path, its schema and the
    shape of a body that holds only the way to it (:func:`_filled` puts a value there)."""
    return next((found for found in _walk(op, op.body_schema(), "body") if wanted(found[1])), None)


def _with_leaf(op: Operation, wanted: Any, raw: bytes) -> tuple[str, bytes]:
    """The wire path of ``op``'s first leaf that ``wanted`` picks, and a body holding only the
    way to it with ``raw`` (JSON bytes, valid or not) as its value."""
    found = _first_leaf(op, wanted)
    assert found is not None
    where, _, shape = found
    body = httpx.Request("POST", "/", json=_filled(shape, "PLACEHOLDER")).content
    return where, body.replace(b'"PLACEHOLDER"', raw)


def _filled(shape: Any, value: Any) -> Any:
    if isinstance(shape, dict):
        ((name, inner),) = shape.items()
        return {name: _filled(inner, value)}
    if isinstance(shape, list):
        return [_filled(shape[0], value)]
    return value


def _is_anything(leaf: dict[str, Any]) -> bool:
    return True


def _is_number(leaf: dict[str, Any]) -> bool:
    return leaf.get("type") in ("integer", "number")


def _is_text(leaf: dict[str, Any]) -> bool:
    return leaf.get("type") == "string" and "format" not in leaf and "enum" not in leaf


def _mistyped(leaf: dict[str, Any]) -> Any:
    """A JSON value of another type than ``leaf``'s, as a lenient decoder would convert it."""
    return {"integer": "20", "number": "20.5", "boolean": "true"}.get(leaf.get("type"), 20)


NUMBERED = [op for op in TAKING_BODY if _first_leaf(op, _is_number)]
TEXTUAL = [op for op in TAKING_BODY if _first_leaf(op, _is_text)]
WITH_UUID_PATH = [
    op
    for op in OPERATIONS
    if any(p["in"] == "path" and p["schema"].get("format") == "uuid" for p in op.parameters)
]


def _typed_query(op: Operation) -> list[str]:
    """The query parameters whose values have a type or format other than free text."""

    def typed(schema: dict[str, Any]) -> bool:
        variants = schema.get("oneOf", [schema])
        return any(
            v.get("type") not in (None, "string", "null") or "format" in v or "enum" in v
            for v in map(op.resolve, variants)
        )

    return [
        p["name"] for p in op.parameters if p["in"] == "query" and typed(op.resolve(p["schema"]))
    ]


WITH_TYPED_QUERY = [op for op in OPERATIONS if _typed_query(op)]


@pytest.fixture
def clients(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"scheduling": scheduling, "accreditation": accreditation, "invoicing": invoicing}


@pytest.fixture
def headers(auth: Token) -> dict[str, str]:
    """A token with every role, so that no guard answers before the input is judged."""
    return auth(*ROLES)


async def _send(
    clients: dict[str, httpx.AsyncClient],
    op: Operation,
    headers: dict[str, str],
    *,
    content: bytes | None = None,
    url: str | None = None,
    **options: Any,
) -> httpx.Response:
    return await clients[op.service].request(
        op.method.upper(), url or op.url(), content=content, headers=headers, **options
    )


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_the_walk_covers_every_kind_of_operation() -> None:
    assert len(OPERATIONS) > 80
    assert TAKING_BODY and BODILESS and NUMBERED and TEXTUAL
    assert WITH_UUID_PATH and WITH_TYPED_QUERY


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_the_kit_answers_are_documented(op: Operation) -> None:
    documented = set(op.spec["responses"])
    assert {"400", "404", "431", "503"} <= documented
    if op.spec.get("security", op.document.get("security")) != [{}]:
        assert {"401", "403"} <= documented  # all but a capability URL's, which takes no token
    if "requestBody" in op.spec:
        assert {"413", "415"} <= documented


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
async def test_security_headers(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    body = b"{}" if "requestBody" in op.spec else None
    response = await _send(
        clients, op, {**headers, "content-type": "application/json"}, content=body
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("path", ["/docs", "/docs/openapi.json"])
async def test_the_docs_are_not_framed(
    clients: dict[str, httpx.AsyncClient], service: str, path: str
) -> None:
    response = await clients[service].get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("op", TAKING_BODY, ids=str)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_sent_as_json_is_415(
    clients: dict[str, httpx.AsyncClient],
    op: Operation,
    headers: dict[str, str],
    content_type: str | None,
) -> None:
    sent = {**headers, **({"content-type": content_type} if content_type else {})}
    problem = _problem(await _send(clients, op, sent, content=b"{}"), 415)
    assert problem["errors"][0]["field"] == "header.content-type"


@pytest.mark.parametrize("op", BODILESS, ids=str)
async def test_a_body_to_an_operation_that_takes_none_is_400(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    sent = {**headers, "content-type": "application/json"}
    problem = _problem(await _send(clients, op, sent, content=b'{"a": 1}'), 400)
    assert problem["errors"] == [
        {"field": "body", "rule": "unexpected_body", "message": "takes no body"}
    ]


@pytest.mark.parametrize("op", TAKING_BODY, ids=str)
@pytest.mark.parametrize("depth", [65, 10_000])
async def test_deep_json_is_400(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str], depth: int
) -> None:
    """Deep at the root, and deep where the first field's value goes: refused where it goes
    deeper than the schema, in the one pass that decodes it (rule ``type``), or, where the
    decoder skips a value to find a tagged union's tag, as too deep (rule ``depth``)."""
    sent = {**headers, "content-type": "application/json"}
    deep = b"[" * depth + b"]" * depth
    where, inside = _with_leaf(op, _is_anything, deep)
    for body, field in ((deep, "body"), (inside, where)):
        problem = _problem(await _send(clients, op, sent, content=body), 400)
        ((found, rule),) = [(e["field"], e["rule"]) for e in problem["errors"]]
        assert (found, rule) in {(field, "type"), ("body", "depth")}


@pytest.mark.parametrize("op", TEXTUAL, ids=str)
async def test_invalid_utf8_is_400(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    _, body = _with_leaf(op, _is_text, b'"caf\xe9"')
    sent = {**headers, "content-type": "application/json"}
    assert _problem(await _send(clients, op, sent, content=body), 400)["errors"] == [
        {"field": "body", "rule": "encoding", "message": "the body is not UTF-8"}
    ]


async def _refused_as_mistyped(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str], wanted: Any
) -> None:
    """The first leaf of ``op``'s body that ``wanted`` picks, sent as another JSON type, is a
    400 naming that leaf, rule ``type``."""
    found = _first_leaf(op, wanted)
    assert found is not None
    where, leaf, shape = found
    response = await _send(clients, op, headers, json=_filled(shape, _mistyped(leaf)))
    (error,) = _problem(response, 400)["errors"]
    assert (error["field"], error["rule"]) == (where, "type")


@pytest.mark.parametrize("op", NUMBERED, ids=str)
async def test_a_number_sent_as_a_string_is_400(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    await _refused_as_mistyped(clients, op, headers, _is_number)


@pytest.mark.parametrize("op", TAKING_BODY, ids=str)
async def test_a_value_of_another_json_type_is_400(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    """Decoding is strict everywhere: the first leaf of each body, sent as another JSON type
    (a boolean or a number as a string, text as a number), names that leaf."""
    await _refused_as_mistyped(clients, op, headers, _is_anything)


@pytest.mark.parametrize("op", WITH_UUID_PATH, ids=str)
async def test_a_malformed_path_id_names_its_parameter(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    for parameter in op.parameters:
        if parameter["in"] == "path" and parameter["schema"].get("format") == "uuid":
            name = parameter["name"]
            url = op.url(**{name: "not-a-uuid"})
            problem = _problem(await _send(clients, op, headers, url=url), 400)
            assert problem["errors"] == [
                {"field": f"path.{name}", "rule": "format", "message": "not a valid UUID"}
            ]


@pytest.mark.parametrize("op", WITH_TYPED_QUERY, ids=str)
async def test_a_bad_query_value_names_the_parameter_as_the_contract_does(
    clients: dict[str, httpx.AsyncClient], op: Operation, headers: dict[str, str]
) -> None:
    for name in _typed_query(op):
        response = await _send(clients, op, headers, params={name: "~"})
        problem = _problem(response, 400)
        assert f"query.{name}" in [error["field"] for error in problem["errors"]]
