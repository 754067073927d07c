"""The published contract's form (``kit.published``) and the problem detail never left empty."""

from __future__ import annotations

from typing import Any

import pytest

from services.kit.errors import FieldError, NotFound, RuleViolation
from services.kit.published import describe_versioning, nullable_formats_on_top


def _document(*paths: str) -> dict[str, Any]:
    answer = {"description": "OK", "headers": {"ETag": {"schema": {"type": "string"}}}}
    return {
        "info": {"version": "2.3.4"},
        "servers": [{"url": "http://127.0.0.1:8101"}],
        "paths": {
            path: {"get": {"responses": {"200": dict(answer), "404": {"description": "no"}}}}
            for path in paths
        },
    }


def test_paths_are_relative_to_a_server_url_that_carries_the_major_version() -> None:
    document = _document("/v1/groups", "/v1/groups/{group_id}")
    describe_versioning(document)
    assert document["servers"] == [{"url": "http://127.0.0.1:8101/v1"}]
    assert list(document["paths"]) == ["/groups", "/groups/{group_id}"]
    responses = document["paths"]["/groups"]["get"]["responses"]
    assert list(responses["200"]["headers"]) == ["API-Version", "ETag"]
    assert "headers" not in responses["404"]
    assert document["components"]["headers"]["API-Version"]["example"] == "2.3.4"


def test_a_documented_path_outside_the_major_version_fails_the_contract() -> None:
    with pytest.raises(ValueError, match="/health/live"):
        describe_versioning(_document("/v1/groups", "/health/live"))


def test_a_nullable_formatted_string_is_one_schema_with_its_format() -> None:
    date = {"type": "string", "format": "date"}
    schema: dict[str, Any] = {
        "properties": {
            "issue_date": {"oneOf": [date, {"type": "null"}], "description": "d"},
            "at": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date-time"}]},
            "note": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
            "kind": {"oneOf": [{"type": "string", "format": "x", "enum": ["a"]}, {"type": "null"}]},
        }
    }
    nullable_formats_on_top(schema)
    properties = schema["properties"]
    assert properties["issue_date"] == {
        "type": ["string", "null"],
        "format": "date",
        "description": "d",
    }
    assert properties["at"] == {"type": ["string", "null"], "format": "date-time"}
    assert "oneOf" in properties["note"] and "oneOf" in properties["kind"]


def test_a_domain_error_always_has_a_detail() -> None:
    assert NotFound("No such group.").detail == "No such group."
    refused = RuleViolation(
        errors=[FieldError(rule="a", message="one"), FieldError(rule="b", message="two")]
    )
    assert refused.detail == "one; two"
    assert NotFound().detail == "Not found"
