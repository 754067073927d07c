"""What the comparator's parts share: a change, the keywords it compares, following `$ref`s and
reading a schema's alternatives, types, values and bounds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

Json = Mapping[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_TEMPLATE = re.compile(r"\{[^}]*\}")
_LOWER = ("minLength", "minItems", "minProperties")
_UPPER = ("maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_PYTHON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One breaking change: where (an operation and its part) and what changed."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _resolve(doc: Json, node: Any) -> Any:
    """``node`` with its ``$ref`` (within ``doc``) followed."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
        if seen > 64:
            raise ValueError(f"a $ref cycle at {node!r}")
    return node


def _branches(doc: Json, schema: Any) -> list[tuple[Json, str | None]]:
    """A schema as the alternatives it allows (``oneOf``, ``anyOf``, a list of types), each
    with the ``$ref`` it came from; the keywords beside ``oneOf`` apply to every alternative."""
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    schema = _resolve(doc, schema)
    if not isinstance(schema, Mapping):  # ``true``: anything
        return [({}, ref)]
    if "allOf" in schema:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(doc, part)
            properties = {**merged.get("properties", {}), **part.get("properties", {})}
            required = [*merged.get("required", []), *part.get("required", [])]
            merged.update(part)
            merged.update(properties=properties, required=list(dict.fromkeys(required)))
        schema = merged
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        beside = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        found: list[tuple[Json, str | None]] = []
        for alternative in alternatives:
            for branch, branch_ref in _branches(doc, alternative):
                found.append(({**beside, **branch}, branch_ref or ref))
        return found
    if isinstance(schema.get("type"), list):
        return [({**schema, "type": kind}, ref) for kind in schema["type"]]
    return [(schema, ref)]


def _type(schema: Json) -> str | None:
    """The JSON type a branch allows, ``None`` for any."""
    if "type" in schema:
        return str(schema["type"])
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    values = _values(schema)
    if values:
        kinds = {_json_type(v) for v in values}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for python, kind in _PYTHON_TYPES:
        if isinstance(value, python):
            return kind
    return "array" if isinstance(value, list) else "object"


def _admits(option: str | None, kind: str | None) -> bool:
    return option is None or option == kind or (option, kind) == ("number", "integer")


def _values(schema: Json) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _bound(schema: Json, *, low: bool) -> tuple[float, int] | None:
    """The lower (or upper) bound of a number as ``(value, 1 if exclusive)``, comparable."""
    inclusive, exclusive = (
        ("minimum", "exclusiveMinimum") if low else ("maximum", "exclusiveMaximum")
    )
    bounds = []
    if isinstance(schema.get(inclusive), int | float):
        bounds.append((schema[inclusive], 0))
    if isinstance(schema.get(exclusive), int | float):
        bounds.append((schema[exclusive], 1 if low else -1))
    if not bounds:
        return None
    return max(bounds) if low else min(bounds)


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        number, exclusive = value
        return f"{number} (exclusive)" if exclusive else f"{number}"
    return repr(value)


def _show(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _label(path: str) -> str:
    return f"`{path}`" if path else "the value"
