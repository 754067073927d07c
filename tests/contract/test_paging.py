"""One paging dialect in every contract (ADR 0050): a list or a feed takes `cursor` and
`limit`, and answers `items` with `next_cursor`, the value to pass as `cursor` for the next
page. No other names for the same thing (`after`, `next`, `page`, `offset`)."""

from __future__ import annotations

from typing import Any

import pytest

from services.cli import SERVICES
from tests.contracts import contract

OTHER_DIALECTS = frozenset({"after", "before", "next", "page", "offset", "page_token", "start"})


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _operations(service: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, item in contract(service)["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def _answer(document: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    content = op["responses"].get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return _schema(document, schema) if schema else {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_paged_operation_speaks_cursor_and_next_cursor(service: str) -> None:
    document = contract(service)
    paged = 0
    for where, op in _operations(service):
        query = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        answered = set(_answer(document, op).get("properties", {}))
        assert not query & OTHER_DIALECTS, f"{where} pages with {query & OTHER_DIALECTS}"
        assert not answered & OTHER_DIALECTS, f"{where} answers {answered & OTHER_DIALECTS}"
        if "cursor" in query or "next_cursor" in answered:
            paged += 1
            assert {"cursor", "limit"} <= query, f"{where} answers a page but takes no cursor"
            assert {"items", "next_cursor"} <= answered, f"{where} takes a cursor, answers none"
            assert "next_cursor" in _answer(document, op).get("required", [])
    assert paged >= 3, "the contract pages nothing"


@pytest.mark.parametrize("service", SERVICES)
def test_the_event_feed_pages_as_a_list_does(service: str) -> None:
    document = contract(service)
    feed = document["paths"]["/events"]["get"]
    assert {p["name"] for p in feed["parameters"] if p["in"] == "query"} >= {"cursor", "limit"}
    page = _answer(document, feed)
    assert page["properties"]["next_cursor"] == {"type": "string"}, "a feed never ends"
