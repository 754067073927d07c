"""Every constraint the server enforces, stated in the contract: a request the contract calls
valid is never refused with 400. And each ``Inbound`` Struct's ``examples``, whole values a
client can send as they stand.

Litestar's schemas lose some of what msgspec checks: the constraints of a type nested in
another ``Annotated`` with a union (``Annotated[Reference | None, Meta(description=...)]``),
of a list's items (``list[Code]``), and a bound of 0 of an optional number. msgspec's own
JSON Schema of a Struct keeps them; :func:`restore` copies what Litestar left out. And the kit
refuses control characters where no pattern says so (``Inbound`` strings, path and query
values: ``kit.strict``); :func:`restore` and :func:`printable_parameters` state that as a
pattern.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.spec import Reference, Schema

from .schemas import LINE_PRINTABLE, PRINTABLE, Inbound

_KEYWORDS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "minItems": "min_items",
    "maxItems": "max_items",
    "examples": "examples",
}
"""msgspec's JSON Schema keyword and the attribute of Litestar's ``Schema`` that holds it."""


def _core(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without its ``null`` alternative (an optional field's value when present)."""
    options = schema.get("anyOf", ())
    present = [o for o in options if o.get("type") != "null"]
    if len(present) == 1 and len(options) == 2:
        return {**{k: v for k, v in schema.items() if k != "anyOf"}, **present[0]}
    return schema


def _plain_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(
        schema
    )


def _merge(target: Schema, source: dict[str, Any], *, printable: str | None) -> None:
    """Copy into ``target`` what ``source`` (msgspec's) states and ``target`` leaves out."""
    source = _core(source)
    if "$ref" in source or "anyOf" in source:
        return
    for keyword, attribute in _KEYWORDS.items():
        if keyword in source and getattr(target, attribute, None) is None:
            setattr(target, attribute, source[keyword])
    if printable and _plain_string(source) and _plain_string(target.to_schema()):
        target.pattern = printable
    items = target.items
    if source.get("type") == "array" and isinstance(source.get("items"), dict):
        if items is None and target.one_of:  # Litestar's optional array: the array alternative
            items = next(
                (o.items for o in target.one_of if isinstance(o, Schema) and o.items), None
            )
        if isinstance(items, Schema):
            _merge(items, source["items"], printable=printable)


def restore(struct: type[msgspec.Struct], schema: Schema) -> None:
    """Complete Litestar's ``schema`` of ``struct`` with the constraints msgspec enforces."""
    (ref,), components = msgspec.json.schema_components([struct])
    own = components[ref["$ref"].rsplit("/", 1)[-1]]
    inbound = issubclass(struct, Inbound)
    examples = getattr(struct, "examples", ())
    if inbound and examples and schema.examples is None:
        schema.examples = [msgspec.to_builtins(example) for example in examples]
    for field, source in own.get("properties", {}).items():
        target = (schema.properties or {}).get(field)
        if isinstance(target, Reference) or target is None:
            continue
        multiline = field in getattr(struct, "multiline", ())
        printable = (LINE_PRINTABLE if multiline else PRINTABLE) if inbound else None
        _merge(target, source, printable=printable)


def _plain_parameter(schema: dict[str, Any]) -> bool:
    options = schema.get("oneOf") or schema.get("anyOf") or [schema]
    strings = [o for o in options if o.get("type") == "string"]
    return bool(strings) and all(_plain_string(o) for o in strings) and "pattern" not in schema


def printable_parameters(document: dict[str, Any]) -> None:
    """A path or query value with no pattern of its own gets the one that says what the kit
    refuses in every such value: control characters."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                schema = parameter.get("schema")
                if parameter.get("in") in {"path", "query"} and isinstance(schema, dict):
                    if _plain_parameter(schema):
                        schema["pattern"] = PRINTABLE
