"""A contract's schemas by direction: what a service answers, and what it accepts.

A Struct answers every field it has, defaults included, unless it is ``omit_defaults`` (then a
field at its default is left out) or the field is ``UNSET``. Litestar and msgspec mark as
``required`` only the fields without a default, which is right for a request body (a field with
a default may be left out) and too little for an answer: a client could not rely on a field the
server always sends. :func:`require_answered` marks, in every schema an answer (or a webhook the
service sends) reaches, each field the server always encodes; :func:`require_encoded` does it
for the events' schemas, which are only ever sent.

One Struct may be both (``Registration`` is sent in a person and returned in it). When its two
readings differ, the schema is split: the answer keeps the name and the request's variant gets
the suffix ``In`` (the codebase's name for inbound Structs), referenced from every request body
and parameter, and from every schema only requests reach (ADR 0051).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

_REF = "#/components/schemas/"
_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
INPUT_SUFFIX = "In"


def always_encoded(struct: type[msgspec.Struct]) -> list[str]:
    """The fields ``struct`` encodes whatever their values, by their names on the wire."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    omits = struct.__struct_config__.omit_defaults
    fields = [
        f.encode_name
        for f in info.fields
        if f.required or (not omits and f.default is not msgspec.UNSET)
    ]
    return [*fields, info.tag_field] if info.tag_field else fields


def structs_within(types: Iterable[Any]) -> dict[str, type[msgspec.Struct]]:
    """Every Struct ``types`` hold, however deep, by class name (the name msgspec gives their
    schemas)."""
    found: dict[str, type[msgspec.Struct]] = {}
    seen: set[int] = set()
    stack: list[Any] = list(msgspec.inspect.multi_type_info(list(types)))
    while stack:
        info = stack.pop()
        if not isinstance(info, msgspec.inspect.Type) or id(info) in seen:
            continue
        seen.add(id(info))
        if isinstance(info, msgspec.inspect.StructType):
            found.setdefault(info.cls.__name__, info.cls)
            stack += [f.type for f in info.fields]
        for attribute in ("type", "item_type", "key_type", "value_type"):
            stack.append(getattr(info, attribute, None))
        for attribute in ("types", "item_types"):
            stack += getattr(info, attribute, ())
    return found


def require_encoded(schemas: dict[str, Any], structs: Mapping[str, type[msgspec.Struct]]) -> None:
    """Mark as ``required`` in each of ``schemas`` (msgspec's, of Structs only ever sent: the
    events) the fields its Struct in ``structs`` always encodes."""
    for name, struct in structs.items():
        if (schema := schemas.get(name)) is not None:
            always = set(always_encoded(struct))
            if required := [p for p in schema.get("properties", {}) if p in always]:
                schema["required"] = required


def require_answered(document: dict[str, Any], encoded: Mapping[str, list[str]]) -> None:
    """Mark as ``required`` in every answered schema the fields ``encoded`` says its Struct
    always sends (schema name to fields), splitting off a request's variant where it differs."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    requests, answers = _requests_and_answers(document)
    inputs, outputs = _closure(_refs(requests), schemas), _closure(_refs(answers), schemas)

    def answered(name: str) -> list[str] | None:
        properties = schemas[name].get("properties") or {}
        if name not in encoded:
            return None
        always = set(encoded[name])
        return [p for p in properties if p in always]

    def reads_otherwise(name: str) -> bool:
        required = answered(name)
        return required is not None and set(required) != set(schemas[name].get("required", []))

    both = inputs & outputs
    differ = {name for name in both if reads_otherwise(name)}
    while grown := {n for n in both - differ if _refs([schemas[n]]) & differ}:
        differ |= grown  # a schema that holds a split one splits too
    for name in sorted(differ):
        variant = name + INPUT_SUFFIX
        if variant in schemas:
            raise ValueError(f"cannot split {name}: the contract already has a {variant}")
        schemas[variant] = {**copy.deepcopy(schemas[name]), "title": variant}
    renames = {_REF + n: _REF + n + INPUT_SUFFIX for n in differ}
    for node in [*requests, *(schemas[n] for n in inputs - outputs)]:
        _rename(node, renames)
    for name in differ:
        _rename(schemas[name + INPUT_SUFFIX], renames)
    for name in outputs:
        if (required := answered(name)) is not None:
            if required:
                schemas[name]["required"] = required
            else:
                schemas[name].pop("required", None)
    ordered = sorted(schemas.items())
    schemas.clear()
    schemas.update(ordered)


def _requests_and_answers(document: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The parts of the document a client sends (request bodies, parameters) and those it
    receives (responses, and the bodies of the webhooks the service sends)."""
    requests: list[Any] = []
    answers: list[Any] = []
    for item in document.get("paths", {}).values():
        requests.append(item.get("parameters", []))
        for method, operation in item.items():
            if method in _METHODS:
                requests += [operation.get("requestBody", {}), operation.get("parameters", [])]
                answers.append(operation.get("responses", {}))
    for item in document.get("webhooks", {}).values():
        answers += [op.get("requestBody", {}) for m, op in item.items() if m in _METHODS]
    return requests, answers


def _refs(nodes: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF):
                found.add(ref.removeprefix(_REF))
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return found


def _closure(names: set[str], schemas: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        if (name := todo.pop()) not in seen:
            seen.add(name)
            todo += _refs([schemas[name]])
    return seen


def _rename(node: Any, renames: Mapping[str, str]) -> None:
    if isinstance(node, dict):
        if isinstance(ref := node.get("$ref"), str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rename(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename(value, renames)
