"""The contracts say what the services enforce and how to reach what they hold: every request
body has an example the service takes as it stands, every constraint msgspec checks is in the
schema, and every link names an operation and parameters that exist.

schemathesis (``test_schemathesis.py``) finds what these miss by calling the services; these
read the committed contracts and the code and fail at once, naming the field.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

import msgspec
import pytest
import yaml
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from services.cli import ROOT, SERVICES, service_module
from services.kit import outbox
from services.kit.constraints import restore
from services.kit.errors import InvalidInput
from services.kit.schemas import Inbound
from services.kit.strict import routes_of

CONSTRAINTS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems")


@cache
def app(service: str) -> Litestar:
    config = service_module(service, "config")
    built: Litestar = service_module(service, "app").create_app(
        config.load_settings({}, database_url="postgresql://contract@/none")
    )
    return built


@cache
def contract(service: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    return document


def bodies(service: str) -> list[tuple[HTTPRouteHandler, type[msgspec.Struct]]]:
    """Each operation's body types (each alternative of a union)."""
    found = []
    for handler, inputs in routes_of(app(service)).handlers.items():
        if inputs.body.decoder is None or not handler.include_in_schema:
            continue
        taken = inputs.body.decoder.type
        for alternative in typing.get_args(taken) or (taken,):
            found.append((handler, alternative))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_has_an_example_the_service_takes(service: str) -> None:
    for handler, body in bodies(service):
        assert issubclass(body, Inbound), handler.operation_id
        assert body.examples, f"{handler.operation_id}: {body.__name__} has no example"
        decode = routes_of(app(service)).handlers[handler].body.decode
        for example in body.examples:
            try:
                decode(msgspec.json.encode(example))
            except InvalidInput as refused:
                pytest.fail(f"{handler.operation_id}: {body.__name__}'s example: {refused}")
        published = contract(service)["components"]["schemas"][body.__name__]
        assert published["examples"] == list(body.examples), body.__name__


def _inbound(service: str) -> set[type[msgspec.Struct]]:
    """Every Struct a body of the service holds, at any depth."""
    seen: set[type[msgspec.Struct]] = set()

    def walk(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType) and info.cls not in seen:
            seen.add(info.cls)
            for item in info.fields:
                walk(item.type)
        for name in ("type", "item_type", "value_type"):
            if isinstance(inner := getattr(info, name, None), msgspec.inspect.Type):
                walk(inner)
        for inner in getattr(info, "types", ()):
            walk(inner)

    for _, body in bodies(service):
        walk(msgspec.inspect.type_info(body))
    return seen


def _core(schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without its ``null`` alternative, as msgspec and Litestar write it."""
    for key in ("anyOf", "oneOf"):
        present = [o for o in schema.get(key, ()) if o.get("type") != "null"]
        if len(present) == 1:
            return {**{k: v for k, v in schema.items() if k != key}, **present[0]}
    return schema


def _published(service: str, struct: type[msgspec.Struct]) -> dict[str, Any] | None:
    schemas = contract(service)["components"]["schemas"]
    found: dict[str, Any] | None = schemas.get(struct.__name__)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_constraint_msgspec_checks_is_in_the_contract(service: str) -> None:
    """Field by field, at any depth (a list's items too): a schema-valid body is never refused
    for a length, a pattern or a bound the contract leaves out."""
    missing = []
    for struct in _inbound(service):
        published = _published(service, struct)
        if published is None:
            continue
        (ref,), components = msgspec.json.schema_components([struct])
        own = components[ref["$ref"].rsplit("/", 1)[-1]]
        for field, enforced in own.get("properties", {}).items():
            stated = _core(published["properties"][field])
            enforced = _core(enforced)
            pairs = [(enforced, stated)]
            if isinstance(enforced.get("items"), dict) and isinstance(stated.get("items"), dict):
                pairs.append((enforced["items"], stated["items"]))
            for want, have in pairs:
                for keyword in CONSTRAINTS:
                    if keyword in want and want[keyword] != have.get(keyword):
                        missing.append(f"{struct.__name__}.{field}: {keyword} {want[keyword]!r}")
    assert missing == []


@pytest.mark.parametrize("service", SERVICES)
def test_an_inbound_string_without_a_pattern_states_that_controls_are_refused(
    service: str,
) -> None:
    for struct in _inbound(service):
        published = _published(service, struct)
        if published is None or not issubclass(struct, Inbound):
            continue
        for field, schema in published["properties"].items():
            core = _core(schema)
            if core.get("type") == "string" and not {"format", "enum", "const"} & set(core):
                assert "pattern" in core, f"{struct.__name__}.{field}"


@pytest.mark.parametrize("service", SERVICES)
def test_path_and_query_strings_state_their_pattern(service: str) -> None:
    for path, item in contract(service)["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", ()) if isinstance(operation, dict) else ():
                schema = _core(parameter["schema"])
                plain = schema.get("type") == "string" and not {"format", "enum"} & set(schema)
                if parameter["in"] in {"path", "query"} and plain:
                    assert "pattern" in schema, f"{method} {path}: {parameter['name']}"


def test_every_feed_cursor_the_contract_allows_is_one_the_feed_reads() -> None:
    (cursor,) = [
        p
        for p in contract("scheduling")["paths"]["/events"]["get"]["parameters"]
        if p["name"] == "cursor"
    ]
    assert _core(cursor["schema"])["pattern"] == outbox.FEED_CURSOR_PATTERN
    for valid in ("0-0", "999999999999999999-999999999999999999", "0042-7"):
        assert outbox.encode_feed_cursor(outbox.decode_feed_cursor(valid)).split("-") == [
            str(int(part)) for part in valid.split("-")
        ]
    for refused in ("1-", "-1", "1.2", "eyJ0eGlkIjoxfQ", "1-2\n", "1234567890123456789-1"):
        with pytest.raises(InvalidInput):
            outbox.decode_feed_cursor(refused)


def _operations(service: str) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: {**op, "path": path}
        for path, item in contract(service)["paths"].items()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_link_names_an_operation_and_its_parameters(service: str) -> None:
    operations = _operations(service)
    linked = 0
    for source, operation in operations.items():
        for status, answer in operation["responses"].items():
            for name, definition in answer.get("links", {}).items():
                linked += 1
                target = operations[definition["operationId"]]
                declared = {p["name"] for p in target.get("parameters", ())}
                for parameter in definition.get("parameters", {}):
                    assert parameter.split(".")[-1] in declared, (source, status, name, parameter)
                if "requestBody" in definition:
                    assert "requestBody" in target, (source, name)
    assert linked, "no links"


def test_the_schema_plugin_restores_what_litestar_drops() -> None:
    """Litestar forgets a nested `Annotated` union's constraints and a list's item
    constraints; the contract states them."""
    from litestar.openapi.spec import Schema

    class Body(Inbound):
        tags: list[typing.Annotated[str, msgspec.Meta(max_length=3)]]
        note: typing.Annotated[
            typing.Annotated[str, msgspec.Meta(max_length=9)] | None,
            msgspec.Meta(description="a note"),
        ] = None
        free: str = ""

    schema = Schema(
        properties={
            "tags": Schema(type="array", items=Schema(type="string")),  # type: ignore[arg-type]
            "note": Schema(one_of=[Schema(type="string"), Schema(type="null")]),  # type: ignore[arg-type]
            "free": Schema(type="string"),  # type: ignore[arg-type]
        }
    )
    restore(Body, schema)
    assert schema.properties is not None
    tags, note, free = (schema.properties[name] for name in ("tags", "note", "free"))
    assert isinstance(tags, Schema) and isinstance(tags.items, Schema)
    assert tags.items.max_length == 3
    assert isinstance(tags.items.pattern, str)
    assert isinstance(note, Schema) and note.max_length == 9
    assert isinstance(free, Schema) and free.pattern == r"^[^\x00-\x1f\x7f]*$"
