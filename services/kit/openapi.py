"""OpenAPI: the shared problem responses, the security scheme, and the published contract."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
import yaml
from litestar import Litestar, Response
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme, Server
from litestar.typing import FieldDefinition

from . import ratelimit
from .conditional import describe
from .problems import PROBLEM_MEDIA_TYPE, Problem

T = TypeVar("T")

_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field and the rule it breaks.",
    401: "No valid bearer token: missing, expired, or not signed by a trusted key.",
    403: "The token is valid, but its roles do not allow this operation.",
    404: "No such resource in the caller's organisation.",
    405: "The method is not allowed on this path.",
    409: "The request conflicts with the current state: `detail` names what it conflicts with.",
    413: "The request body is larger than the service accepts.",
    415: "The request body must be sent as `application/json` (UTF-8).",
    422: "A domain rule refuses the request: `errors` names each rule broken.",
    431: "The request's headers are larger than the service accepts (16 KiB by default).",
    503: "The service cannot answer now: its database, or another service this request needs,"
    " cannot be reached (`errors` names which). `Retry-After` says in how many seconds to try"
    " again, when that is known.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Response specs for the given error statuses, all ``application/problem+json``.

    Every authenticated route answers 401 and 403, and every route may answer 400 (bad
    parameters, a malformed path parameter), 404 (no such resource), 431 (headers over the
    limit) and 503 (the database cannot be reached).
    """
    wanted = {400, 401, 403, 404, 431, 503, *statuses}
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted(wanted)
    }


def openapi_config(*, title: str, version: str, description: str, port: int) -> OpenAPIConfig:
    return OpenAPIConfig(
        title=title,
        version=version,
        description=description,
        path="/docs",
        render_plugins=[ScalarRenderPlugin(path="/"), SwaggerRenderPlugin(path="/swagger")],
        servers=[Server(url=f"http://127.0.0.1:{port}", description="local development")],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A JWT from the organisation's identity provider.",
                )
            }
        ),
        security=[{"bearer": []}],
        use_handler_docstrings=True,
        create_examples=False,
    )


def contract(app: Litestar) -> dict[str, Any]:
    """The app's OpenAPI document, with the events it sends as OpenAPI 3.1 ``webhooks`` and
    the headers of retries and concurrent edits (``kit.conditional``) and of the rate limits
    (``kit.ratelimit``)."""
    document = app.openapi_schema.to_schema()
    describe(document, app.state.operations)
    ratelimit.describe(document)
    events: Mapping[str, type[msgspec.Struct]] = app.state.get("webhooks") or {}
    if events:
        document["webhooks"] = webhooks_section(events, document["components"]["schemas"])
    return document


def webhooks_section(
    events: Mapping[str, type[msgspec.Struct]], schemas: dict[str, Any]
) -> dict[str, Any]:
    """One ``post`` per event type: the Standard Webhooks envelope around the type's data."""
    from .outbox import Event

    _, components = msgspec.json.schema_components(
        [Event, *events.values()], ref_template="#/components/schemas/{name}"
    )
    for component in components.values():  # a docstring's later lines keep their indent
        if "description" in component:
            component["description"] = inspect.cleandoc(component["description"])
    schemas.update(dict(sorted(components.items())))
    section: dict[str, Any] = {}
    for event_type, data in events.items():
        section[event_type] = {
            "post": {
                "operationId": "on_" + event_type.replace(".", "_"),
                "summary": event_type,
                "description": inspect.cleandoc(data.__doc__ or "")
                + "\n\nSent as a Standard Webhook (`webhook-id`, `webhook-timestamp`,"
                " `webhook-signature`: HMAC-SHA256 with the subscriber's secret).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Event"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "type": {"const": event_type},
                                            "data": {
                                                "$ref": f"#/components/schemas/{data.__name__}"
                                            },
                                        },
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Any 2xx acknowledges; anything else is retried."}
                },
            }
        }
    return section


def contract_yaml(app: Litestar) -> str:
    return str(yaml.safe_dump(contract(app), sort_keys=False, allow_unicode=True, width=100))


_ZERO_BOUNDS = (("ge", "minimum"), ("gt", "exclusive_minimum"), ("le", "maximum"),
                ("lt", "exclusive_maximum"))  # fmt: skip


def _restore_zero_bounds(struct: type[msgspec.Struct], schema: Schema) -> None:
    """Litestar drops a bound of 0 of an optional number (``int | None`` with ``ge=0``: it
    tests the bound for truth); the contract must state it, as it does for a plain ``int``."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        number = field.type
        if isinstance(number, msgspec.inspect.UnionType):
            number = next(
                (t for t in number.types if not isinstance(t, msgspec.inspect.NoneType)), number
            )
        if isinstance(number, msgspec.inspect.Metadata):
            number = number.type
        prop = (schema.properties or {}).get(field.encode_name)
        if isinstance(number, msgspec.inspect.IntType | msgspec.inspect.FloatType) and isinstance(
            prop, Schema
        ):
            for bound, key in _ZERO_BOUNDS:
                if getattr(number, bound) == 0 and getattr(prop, key) is None:
                    setattr(prop, key, 0)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Documents ``forbid_unknown_fields`` Structs with ``additionalProperties: false``.

    Inbound Structs refuse unknown fields; the contract must say so, or clients
    (and schemathesis) would read extra fields as allowed.
    """

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if field_definition.type_.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        _restore_zero_bounds(field_definition.type_, schema)
        return schema


def upsert_responses(resource: type[Any], *statuses: int) -> dict[int, ResponseSpec]:
    """An upsert answers 200 with the updated resource or 201 with the created one."""
    return {
        201: ResponseSpec(resource, description="Created.", generate_examples=False),
        **problems(413, 415, *statuses),
    }


def upserted(resource: T, created: bool) -> Response[T]:
    return Response(resource, status_code=201 if created else 200)
