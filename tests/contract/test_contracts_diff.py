"""The breaking-change comparator (services/contracts_diff/), kind by kind, on a small
contract; and on a real one: a removed field fails the gate until the major is bumped."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from services.cli import ROOT
from services.contracts_diff import blocking, breaking_changes, explain, major

PUT = ("paths", "/v1/things/{thing_id}", "put")
PARAMS = (*PUT, "parameters")
BODY = ("components", "schemas", "ThingIn")
THING = ("components", "schemas", "Thing")
OK = (*PUT, "responses", "200")
WHERE = "PUT /v1/things/{thing_id}"
NULLABLE = {"oneOf": [{"type": "string", "maxLength": 200}, {"type": "null"}]}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def json_of(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1.2.0"},
    "servers": [{"url": "http://127.0.0.1:8000"}],
    "security": [{"bearer": []}],
    "paths": {
        "/v1/things/{thing_id}": {
            "put": {
                "operationId": "put_thing",
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    },
                    {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "If-Match", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": json_of("ThingIn"),
                },
                "responses": {
                    "200": {
                        "description": "The thing.",
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                        "content": json_of("Thing"),
                    },
                    "404": {"description": "No such thing.", "content": PROBLEM},
                },
            }
        },
        "/health": {
            "get": {
                "operationId": "health",
                "security": [],
                "responses": {"200": {"description": "Up."}},
            }
        },
    },
    "components": {
        "schemas": {
            "ThingIn": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "size": {"type": "integer", "minimum": 0, "maximum": 10},
                    "weight": {"type": "number"},
                    "colour": {"type": "string", "enum": ["red", "blue"]},
                    "note": NULLABLE,
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}},
                },
                "required": ["name"],
            },
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string", "maxLength": 100},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "note": NULLABLE,
                    "parent": {"oneOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]},
                },
                "required": ["id", "name", "status", "note"],
            },
            "Problem": {"type": "object", "properties": {"status": {"type": "integer"}}},
        }
    },
    "webhooks": {
        "thing.made": {
            "post": {
                "requestBody": {"content": json_of("Thing")},
                "responses": {"200": {"description": "Received."}},
            }
        }
    },
}

Edit = Callable[[dict[str, Any]], None]
DROP = object()


def edit(*steps: tuple[tuple[Any, ...], Any]) -> Edit:
    """Set (or, with :data:`DROP`, delete) the value at each path of keys and indexes."""

    def apply(doc: dict[str, Any]) -> None:
        for path, value in steps:
            *parents, last = path
            node: Any = doc
            for key in parents:
                node = node[key]
            if value is DROP:
                del node[last]
            elif isinstance(node, list) and last == len(node):
                node.append(value)
            else:
                node[last] = value

    return apply


def changes(*edits: Edit) -> list[str]:
    current = copy.deepcopy(CONTRACT)
    for apply in edits:
        apply(current)
    return [str(change) for change in breaking_changes(CONTRACT, current)]


BREAKING = {
    "removed operation": (
        edit((("paths", "/health"), DROP)),
        "GET /health: the operation was removed",
    ),
    "changed method": (
        edit(
            (("paths", "/health", "post"), CONTRACT["paths"]["/health"]["get"]),
            (("paths", "/health", "get"), DROP),
        ),
        "GET /health: the operation was removed",
    ),
    "changed path": (
        edit(
            (("paths", "/v1/thing/{thing_id}"), CONTRACT["paths"]["/v1/things/{thing_id}"]),
            (("paths", "/v1/things/{thing_id}"), DROP),
        ),
        f"{WHERE}: the operation was removed",
    ),
    "renamed operation": (
        edit(((*PUT, "operationId"), "update_thing")),
        f"{WHERE}: operationId was put_thing, is update_thing (generated clients name their"
        " calls by it)",
    ),
    "removed response field": (
        edit(((*THING, "properties", "name"), DROP), ((*THING, "required"), ["id", "status"])),
        f"{WHERE} response 200: `name` was removed",
    ),
    "removed optional response field, deep": (
        edit(((*THING, "properties", "status"), DROP)),
        f"{WHERE} response 200: `status` was removed",
    ),
    "response field no longer required": (
        edit(((*THING, "required"), ["id", "name", "status"])),
        f"{WHERE} response 200: `note` is no longer always returned (it was required)",
    ),
    "response field now nullable": (
        edit(((*THING, "properties", "name"), {"oneOf": [{"type": "string"}, {"type": "null"}]})),
        f"{WHERE} response 200: `name` may now be null, which the released contract does not allow",
    ),
    "response enum widened": (
        edit(((*THING, "properties", "status", "enum"), ["open", "closed", "held"])),
        f"{WHERE} response 200: `status` may now be 'held', which the released contract lacks",
    ),
    "response constraint loosened": (
        edit(((*THING, "properties", "name", "maxLength"), 200)),
        f"{WHERE} response 200: `name`: maxLength was 100, is 200 (may return what it did not)",
    ),
    "response header removed": (
        edit(((*OK, "headers"), {})),
        f"{WHERE} response 200: header ETag is no longer sent",
    ),
    "response media type removed": (
        edit(((*OK, "content"), {"application/pdf": {"schema": {"type": "string"}}})),
        f"{WHERE} response 200: application/json is no longer answered",
    ),
    "new success status": (
        edit(
            (
                (*PUT, "responses", "201"),
                CONTRACT["paths"]["/v1/things/{thing_id}"]["put"]["responses"]["200"],
            )
        ),
        f"{WHERE}: may now answer 201, which the released contract lacks",
    ),
    "new required body field": (
        edit(((*BODY, "required"), ["name", "size"])),
        f"{WHERE} request body: `size` is now required",
    ),
    "removed body field": (
        edit(((*BODY, "properties", "weight"), DROP)),
        f"{WHERE} request body: `weight` is no longer accepted",
    ),
    "narrowed type": (
        edit(((*BODY, "properties", "weight", "type"), "integer")),
        f"{WHERE} request body: `weight` no longer accepts number",
    ),
    "null no longer accepted": (
        edit(((*BODY, "properties", "note"), {"type": "string", "maxLength": 200})),
        f"{WHERE} request body: `note` no longer accepts null",
    ),
    "narrowed enum": (
        edit(((*BODY, "properties", "colour", "enum"), ["red"])),
        f"{WHERE} request body: `colour` no longer accepts 'blue'",
    ),
    "new enum": (
        edit(((*BODY, "properties", "weight", "enum"), [1, 2])),
        f"{WHERE} request body: `weight` now accepts only 1, 2",
    ),
    "maxLength down": (
        edit(((*BODY, "properties", "name", "maxLength"), 50)),
        f"{WHERE} request body: `name`: maxLength was 100, is 50 (accepts less)",
    ),
    "minimum up": (
        edit(((*BODY, "properties", "size", "minimum"), 1)),
        f"{WHERE} request body: `size`: minimum was 0, is 1 (accepts less)",
    ),
    "exclusive maximum": (
        edit(((*BODY, "properties", "size", "exclusiveMaximum"), 10)),
        f"{WHERE} request body: `size`: maximum was 10, is 10 (exclusive) (accepts less)",
    ),
    "new pattern": (
        edit(((*BODY, "properties", "name", "pattern"), "^[a-z]+$")),
        f"{WHERE} request body: `name`: pattern was none, is '^[a-z]+$' (accepts less)",
    ),
    "new format": (
        edit(((*BODY, "properties", "note", "format"), "email")),
        f"{WHERE} request body: `note`: format was none, is 'email' (accepts less)",
    ),
    "array items tightened": (
        edit(((*BODY, "properties", "tags", "items", "maxLength"), 10)),
        f"{WHERE} request body: `tags[]`: maxLength was 20, is 10 (accepts less)",
    ),
    "minItems up": (
        edit(((*BODY, "properties", "tags", "minItems"), 1)),
        f"{WHERE} request body: `tags`: minItems was none, is 1 (accepts less)",
    ),
    "new required parameter": (
        edit(
            (
                (*PARAMS, 3),
                {"name": "reason", "in": "query", "required": True, "schema": {"type": "string"}},
            )
        ),
        f"{WHERE} query parameter `reason`: is new and required",
    ),
    "parameter now required": (
        edit(((*PARAMS, 1, "required"), True)),
        f"{WHERE} query parameter `dry_run`: is now required",
    ),
    "query parameter removed": (
        edit(((*PARAMS, 1), DROP)),
        f"{WHERE} query parameter `dry_run`: was removed",
    ),
    "parameter narrowed": (
        edit(((*PARAMS, 2, "schema", "maxLength"), 64)),
        f"{WHERE} header parameter `If-Match`: maxLength was none, is 64 (accepts less)",
    ),
    "path parameter narrowed": (
        edit(((*PARAMS, 0, "schema", "pattern"), "^[0-9a-f-]{36}$")),
        f"{WHERE} path parameter `thing_id`: pattern was none, is '^[0-9a-f-]{{36}}$'"
        " (accepts less)",
    ),
    "authentication now required": (
        edit((("paths", "/health", "get", "security"), DROP)),
        "GET /health: now requires authentication",
    ),
    "webhook no longer sent": (
        edit((("webhooks", "thing.made"), {})),
        "webhook thing.made: the event is no longer sent",
    ),
    "webhook field removed": (
        edit(((*THING, "properties", "id"), DROP)),
        "webhook thing.made request body: `id` was removed",
    ),
}


@pytest.mark.parametrize("kind", BREAKING)
def test_each_kind_of_breaking_change_is_caught_and_named(kind: str) -> None:
    apply, expected = BREAKING[kind]
    assert expected in changes(apply)


COMPATIBLE = {
    "nothing": edit(),
    "texts and examples": edit(
        ((*PUT, "description"), "Write a thing."),
        ((*THING, "properties", "name", "examples"), ["Kast"]),
    ),
    "new operation": edit(
        (("paths", "/v1/things"), {"get": {"operationId": "list_things", "responses": {}}})
    ),
    "new optional body field": edit(((*BODY, "properties", "size2"), {"type": "integer"})),
    "body field optional": edit(((*BODY, "required"), [])),
    "body optional": edit(((*PUT, "requestBody", "required"), False)),
    "new optional parameter": edit(
        ((*PARAMS, 3), {"name": "q", "in": "query", "schema": {"type": "string"}})
    ),
    "header parameter dropped (headers not declared are ignored)": edit(((*PARAMS, 2), DROP)),
    "loosened input": edit(
        ((*BODY, "properties", "name", "maxLength"), 500),
        ((*BODY, "properties", "size", "minimum"), -5),
        ((*BODY, "properties", "colour", "enum"), ["red", "blue", "green"]),
        ((*BODY, "properties", "size", "type"), "number"),
    ),
    "new response field": edit(((*THING, "properties", "colour"), {"type": "string"})),
    "response field newly required": edit(
        ((*THING, "required"), ["id", "name", "status", "note", "parent"])
    ),
    "response narrowed": edit(
        ((*THING, "properties", "note"), NULLABLE["oneOf"][0]),
        ((*THING, "properties", "status", "enum"), ["open"]),
    ),
    "new error status": edit(((*PUT, "responses", "409"), {"description": "", "content": PROBLEM})),
    "error status removed": edit(((*PUT, "responses", "404"), DROP)),
    "new response header": edit(((*OK, "headers", "API-Version"), {"schema": {"type": "string"}})),
    "component renamed": edit(
        (("components", "schemas", "Item"), CONTRACT["components"]["schemas"]["Thing"]),
        ((*OK, "content", "application/json", "schema", "$ref"), "#/components/schemas/Item"),
    ),
    "public operation": edit(((*PUT, "security"), [{}, {"bearer": []}])),
    "new webhook": edit((("webhooks", "thing.gone"), CONTRACT["webhooks"]["thing.made"])),
    "recursive schema narrowed (parent no longer null), compared without end": edit(
        ((*THING, "properties", "parent"), {"$ref": "#/components/schemas/Thing"})
    ),
}


@pytest.mark.parametrize("kind", COMPATIBLE)
def test_compatible_changes_pass(kind: str) -> None:
    assert changes(COMPATIBLE[kind]) == []


def test_the_wire_is_compared_not_where_the_prefix_is_written_nor_parameter_names() -> None:
    released = copy.deepcopy(CONTRACT)
    del released["paths"]["/health"]
    current = copy.deepcopy(released)
    edit(
        (("servers", 0, "url"), "http://127.0.0.1:8000/v1"),
        (("paths", "/things/{id}"), current["paths"].pop("/v1/things/{thing_id}")),
        (("paths", "/things/{id}", "put", "parameters", 0, "name"), "id"),
    )(current)
    assert breaking_changes(released, current) == []
    del current["paths"]["/things/{id}"]["put"]["parameters"][1]
    assert [str(c) for c in breaking_changes(released, current)] == [
        f"{WHERE} query parameter `dry_run`: was removed"  # named as released
    ]


def test_what_loosens_input_breaks_when_it_is_undone() -> None:
    """The same change read both ways: a body made optional is fine, made required breaks."""
    loosened = copy.deepcopy(CONTRACT)
    edit(((*PUT, "requestBody", "required"), False))(loosened)
    assert [str(c) for c in breaking_changes(loosened, CONTRACT)] == [
        f"{WHERE} request body: is now required"
    ]


def test_a_higher_major_lets_every_breaking_change_pass() -> None:
    current = copy.deepcopy(CONTRACT)
    edit(((*THING, "properties", "status"), DROP), (("paths", "/health"), DROP))(current)
    assert len(blocking(CONTRACT, current)) == 3
    current["info"]["version"] = "1.9.0"
    assert len(blocking(CONTRACT, current)) == 3, "a minor bump is no licence"
    current["info"]["version"] = "2.0.0"
    assert blocking(CONTRACT, current) == []


def test_major_reads_semantic_versions() -> None:
    assert [major(v) for v in ("0.1.0", "1.0.0", "v2.3.4", "10.0")] == [0, 1, 2, 10]


def test_the_failure_says_what_breaks_and_how_to_release() -> None:
    current = copy.deepcopy(CONTRACT)
    edit(((*THING, "properties", "status"), DROP))(current)
    message = explain("things", blocking(CONTRACT, current), version="1.2.0")
    assert f"- {WHERE} response 200: `status` was removed" in message
    assert "contracts/released/things.yaml" in message
    assert "(1.2.0 -> 2.0.0, the `version` of services/things/app.py)" in message
    assert "`make release-contracts`" in message


def test_on_the_invoicing_contract_a_removed_field_fails_until_the_major_is_bumped() -> None:
    released = yaml.load(
        (ROOT / "contracts" / "invoicing.yaml").read_text(),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )
    current = copy.deepcopy(released)
    invoice = current["components"]["schemas"]["Invoice"]
    del invoice["properties"]["total_cents"]
    invoice["required"].remove("total_cents")

    found = [str(change) for change in blocking(released, current)]
    assert found, "a removed response field is breaking"
    assert all(line.endswith("total_cents` was removed") for line in found), found
    assert any(line.startswith("GET ") and "/invoices/{" in line for line in found), found

    current["info"]["version"] = f"{major(released['info']['version']) + 1}.0.0"
    assert blocking(released, current) == []
