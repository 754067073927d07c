"""A contract's schemas by direction: answers require what the server always sends, requests
keep their optional fields, and a schema both use is split when the two readings differ."""

from __future__ import annotations

from typing import Any

import msgspec

from services.kit.directions import (
    always_encoded,
    require_answered,
    require_encoded,
    structs_within,
)


class Size(msgspec.Struct, kw_only=True):
    min: int = 6
    max: int | None = None


class Warning(msgspec.Struct, kw_only=True, omit_defaults=True):
    rule: str
    field: str | None = None
    hint: str | msgspec.UnsetType = msgspec.UNSET


class Tagged(msgspec.Struct, tag="tagged"):
    size: Size
    warnings: list[Warning]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref(name)}}}


def test_the_fields_a_struct_always_encodes() -> None:
    assert always_encoded(Size) == ["min", "max"]
    assert always_encoded(Warning) == ["rule"]
    assert always_encoded(Tagged) == ["size", "warnings", "type"]
    assert structs_within([list[Tagged]]) == {"Tagged": Tagged, "Size": Size, "Warning": Warning}


def test_an_answer_requires_what_is_always_sent_and_a_shared_schema_is_split() -> None:
    size = {"type": "object", "properties": {"min": {}, "max": {}}}
    schemas: dict[str, Any] = {
        "Size": size,
        "Warning": {"properties": {"rule": {}, "field": {}}, "required": ["rule"]},
        "Group": {"properties": {"size": ref("Size"), "warnings": {"items": ref("Warning")}}},
        "GroupIn": {"properties": {"size": ref("Size")}},
    }
    document: dict[str, Any] = {
        "paths": {
            "/groups": {
                "post": {"requestBody": body("GroupIn"), "responses": {"201": body("Group")}}
            }
        },
        "components": {"schemas": schemas},
    }
    encoded = {"Size": ["min", "max"], "Warning": ["rule"], "Group": ["size", "warnings"]}
    require_answered(document, encoded)
    assert list(schemas) == ["Group", "GroupIn", "Size", "SizeIn", "Warning"]
    assert schemas["Size"]["required"] == ["min", "max"]
    assert "required" not in schemas["SizeIn"] and schemas["SizeIn"]["title"] == "SizeIn"
    assert schemas["GroupIn"]["properties"]["size"] == ref("SizeIn")
    assert schemas["Group"]["properties"]["size"] == ref("Size")
    assert schemas["Group"]["required"] == ["size", "warnings"]
    assert schemas["Warning"]["required"] == ["rule"]


def test_an_event_schema_requires_what_its_struct_always_sends() -> None:
    schemas: dict[str, Any] = {
        "Tagged": {"properties": {"size": {}, "warnings": {}, "type": {}}, "required": ["size"]},
        "Size": {"properties": {"min": {}, "max": {}}},
    }
    require_encoded(schemas, structs_within([Tagged]))
    assert schemas["Tagged"]["required"] == ["size", "warnings", "type"]
    assert schemas["Size"]["required"] == ["min", "max"]
