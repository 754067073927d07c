"""OpenAPI: the shared problem responses, the security scheme, and the published contract."""

from __future__ import annotations

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
    415: "The request body must be `application/json`.",
    422: "A domain rule refuses the request: `errors` names each rule broken.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Response specs for the given error statuses, all ``application/problem+json``.

    Every authenticated route answers 401 and 403, and every route may answer 400
    (bad parameters) and 404 (unknown path, or a path parameter of the wrong type).
    """
    wanted = {400, 401, 403, 404, *statuses}
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
    """The app's OpenAPI document, with the events it sends as OpenAPI 3.1 ``webhooks``."""
    document = app.openapi_schema.to_schema()
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
    schemas.update(dict(sorted(components.items())))
    section: dict[str, Any] = {}
    for event_type, data in events.items():
        section[event_type] = {
            "post": {
                "operationId": "on_" + event_type.replace(".", "_"),
                "summary": event_type,
                "description": (data.__doc__ or "").strip()
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
        return schema


def upsert_responses(resource: type[Any], *statuses: int) -> dict[int, ResponseSpec]:
    """An upsert answers 200 with the updated resource or 201 with the created one."""
    return {
        201: ResponseSpec(resource, description="Created.", generate_examples=False),
        **problems(413, 415, *statuses),
    }


def upserted(resource: T, created: bool) -> Response[T]:
    return Response(resource, status_code=201 if created else 200)
